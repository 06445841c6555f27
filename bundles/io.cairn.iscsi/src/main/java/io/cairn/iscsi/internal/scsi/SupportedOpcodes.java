package io.cairn.iscsi.internal.scsi;

import static io.cairn.iscsi.internal.scsi.Cdb.put16;
import static io.cairn.iscsi.internal.scsi.Cdb.put32;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/** REPORT SUPPORTED OPERATION CODES (SPC-4 §6.35): what {@link SbcTarget} implements, with CDB usage data. */
final class SupportedOpcodes {

    /** One supported command; {@code sa} -1 for commands without service actions. */
    record Op(int opcode, int sa, int[] usage) {
        int length() {
            return usage.length;
        }
    }

    private static final int F = 0xFF;

    static final List<Op> OPS = List.of(
            new Op(0x00, -1, new int[] {0x00, 0, 0, 0, 0, 0}),
            new Op(0x03, -1, new int[] {0x03, 0x01, 0, 0, F, 0}),
            new Op(0x08, -1, new int[] {0x08, 0x1F, F, F, F, 0}),
            new Op(0x0A, -1, new int[] {0x0A, 0x1F, F, F, F, 0}),
            new Op(0x12, -1, new int[] {0x12, 0x01, F, F, F, 0}),
            new Op(0x15, -1, new int[] {0x15, 0x11, 0, 0, F, 0}),
            new Op(0x1A, -1, new int[] {0x1A, 0x08, F, F, F, 0}),
            new Op(0x25, -1, new int[] {0x25, 0, F, F, F, F, 0, 0, 0x01, 0}),
            new Op(0x28, -1, new int[] {0x28, 0x18, F, F, F, F, 0, F, F, 0}),
            new Op(0x2A, -1, new int[] {0x2A, 0x18, F, F, F, F, 0, F, F, 0}),
            new Op(0x2F, -1, new int[] {0x2F, 0x16, F, F, F, F, 0, F, F, 0}),
            new Op(0x35, -1, new int[] {0x35, 0x02, F, F, F, F, 0, F, F, 0}),
            new Op(0x41, -1, new int[] {0x41, 0x08, F, F, F, F, 0, F, F, 0}),
            new Op(0x42, -1, new int[] {0x42, 0, 0, 0, 0, 0, 0, F, F, 0}),
            new Op(0x55, -1, new int[] {0x55, 0x11, 0, 0, 0, 0, 0, F, F, 0}),
            new Op(0x5A, -1, new int[] {0x5A, 0x18, F, F, 0, 0, 0, F, F, 0}),
            new Op(0x5E, 0x00, new int[] {0x5E, 0x1F, 0, 0, 0, 0, 0, F, F, 0}),
            new Op(0x5E, 0x01, new int[] {0x5E, 0x1F, 0, 0, 0, 0, 0, F, F, 0}),
            new Op(0x5E, 0x02, new int[] {0x5E, 0x1F, 0, 0, 0, 0, 0, F, F, 0}),
            new Op(0x5E, 0x03, new int[] {0x5E, 0x1F, 0, 0, 0, 0, 0, F, F, 0}),
            new Op(0x5F, 0x00, new int[] {0x5F, 0x1F, 0, 0, 0, F, F, F, F, 0}),
            new Op(0x5F, 0x01, new int[] {0x5F, 0x1F, F, 0, 0, F, F, F, F, 0}),
            new Op(0x5F, 0x02, new int[] {0x5F, 0x1F, F, 0, 0, F, F, F, F, 0}),
            new Op(0x5F, 0x03, new int[] {0x5F, 0x1F, 0, 0, 0, F, F, F, F, 0}),
            new Op(0x5F, 0x04, new int[] {0x5F, 0x1F, F, 0, 0, F, F, F, F, 0}),
            new Op(0x5F, 0x05, new int[] {0x5F, 0x1F, F, 0, 0, F, F, F, F, 0}),
            new Op(0x5F, 0x06, new int[] {0x5F, 0x1F, 0, 0, 0, F, F, F, F, 0}),
            new Op(0x88, -1, new int[] {0x88, 0x18, F, F, F, F, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0x89, -1, new int[] {0x89, 0x18, F, F, F, F, F, F, F, F, 0, 0, 0, F, 0, 0}),
            new Op(0x8A, -1, new int[] {0x8A, 0x18, F, F, F, F, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0x8F, -1, new int[] {0x8F, 0x16, F, F, F, F, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0x91, -1, new int[] {0x91, 0x02, F, F, F, F, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0x93, -1, new int[] {0x93, 0x09, F, F, F, F, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0x9E, 0x10, new int[] {0x9E, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, F, F, F, F, 0, 0}),
            new Op(0x9E, 0x12, new int[] {0x9E, 0x1F, F, F, F, F, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0xA0, -1, new int[] {0xA0, 0, F, 0, 0, 0, F, F, F, F, 0, 0}),
            new Op(0xA3, 0x0C, new int[] {0xA3, 0x1F, 0x87, F, F, F, F, F, F, F, 0, 0}),
            new Op(0xA8, -1, new int[] {0xA8, 0x18, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0xAA, -1, new int[] {0xAA, 0x18, F, F, F, F, F, F, F, F, 0, 0}),
            new Op(0xAF, -1, new int[] {0xAF, 0x16, F, F, F, F, F, F, F, F, 0, 0}));

    private SupportedOpcodes() {
    }

    static boolean hasServiceActions(int opcode) {
        return OPS.stream().anyMatch(o -> o.opcode == opcode && o.sa >= 0);
    }

    static ByteBuffer report(byte[] cdb) {
        boolean rctd = (cdb[2] & 0x80) != 0;
        int options = cdb[2] & 0x07;
        int opcode = cdb[3] & 0xFF;
        int sa = Cdb.u16(cdb, 4);
        long alloc = Cdb.u32(cdb, 6);
        byte[] d;
        switch (options) {
            case 0 -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (Op o : OPS) {
                    byte[] e = new byte[8];
                    e[0] = (byte) o.opcode;
                    put16(e, 2, Math.max(o.sa, 0));
                    e[5] = (byte) ((rctd ? 0x02 : 0) | (o.sa >= 0 ? 0x01 : 0));
                    put16(e, 6, o.length());
                    out.writeBytes(e);
                    if (rctd) {
                        out.writeBytes(timeouts());
                    }
                }
                byte[] list = out.toByteArray();
                d = new byte[4 + list.length];
                put32(d, 0, list.length);
                System.arraycopy(list, 0, d, 4, list.length);
            }
            case 1, 2, 3 -> {
                boolean withSa = hasServiceActions(opcode);
                if (options == 1 && withSa) {
                    throw ScsiError.invalidCdb(2, 0);
                }
                if (options == 2 && !withSa && Cdb.lengthOf(opcode) > 0 && isKnownOpcode(opcode)) {
                    throw ScsiError.invalidCdb(2, 1);
                }
                Op found = null;
                for (Op o : OPS) {
                    if (o.opcode == opcode && (!withSa || o.sa == sa)) {
                        found = o;
                    }
                }
                int usageLength = found == null ? 0 : found.length();
                d = new byte[4 + usageLength + (rctd ? 12 : 0)];
                d[1] = (byte) ((rctd ? 0x80 : 0) | (found == null ? 0x01 : 0x03));
                put16(d, 2, usageLength);
                if (found != null) {
                    for (int i = 0; i < usageLength; i++) {
                        d[4 + i] = (byte) found.usage[i];
                    }
                    if (rctd) {
                        System.arraycopy(timeouts(), 0, d, 4 + usageLength, 12);
                    }
                } else if (rctd) {
                    d = java.util.Arrays.copyOf(d, 4);
                    d[1] = 0x01;
                }
            }
            default -> throw ScsiError.invalidCdb(2, 2);
        }
        return ByteBuffer.wrap(d, 0, (int) Math.min(alloc, d.length)).slice();
    }

    private static boolean isKnownOpcode(int opcode) {
        return OPS.stream().anyMatch(o -> o.opcode == opcode);
    }

    private static byte[] timeouts() {
        byte[] t = new byte[12];
        put16(t, 0, 0x0A);
        return t;
    }
}
