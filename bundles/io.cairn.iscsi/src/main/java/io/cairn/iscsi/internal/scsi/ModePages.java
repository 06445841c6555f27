package io.cairn.iscsi.internal.scsi;

import static io.cairn.iscsi.internal.scsi.Cdb.put16;
import static io.cairn.iscsi.internal.scsi.Cdb.put32;
import static io.cairn.iscsi.internal.scsi.Cdb.put64;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * MODE SENSE(6/10) and MODE SELECT(6/10) (SPC-4 §6.11-6.14): the caching (0x08), control (0x0A)
 * and informational exceptions control (0x1C) pages. Nothing is changeable: every write is durable
 * when acknowledged, so there is no volatile write cache (WCE=0) and SYNCHRONIZE CACHE has nothing
 * to do; MODE SELECT accepts only parameters equal to the current ones.
 */
final class ModePages {

    static final int CACHING = 0x08;
    static final int CONTROL = 0x0A;
    static final int INFORMATIONAL_EXCEPTIONS = 0x1C;
    static final int ALL = 0x3F;
    static final int[] PAGES = {CACHING, CONTROL, INFORMATIONAL_EXCEPTIONS};

    private ModePages() {
    }

    /** The current (= default = saved-less) value of {@code code}, or null if not supported. */
    static byte[] current(int code) {
        return switch (code) {
            case CACHING -> {
                byte[] p = new byte[20];
                p[0] = CACHING;
                p[1] = 0x12;
                p[2] = 0x00; // WCE 0 (writes are durable), RCD 0
                yield p;
            }
            case CONTROL -> {
                byte[] p = new byte[12];
                p[0] = CONTROL;
                p[1] = 0x0A;
                p[2] = 0x02; // TST 000b, D_SENSE 0, GLTSD 1
                p[3] = 0x10; // QUEUE ALGORITHM MODIFIER 1 (unrestricted), QERR 00b
                p[4] = 0x00; // TAS 0, SWP 0
                put16(p, 8, 0xFFFF); // BUSY TIMEOUT PERIOD: unlimited
                yield p;
            }
            case INFORMATIONAL_EXCEPTIONS -> {
                byte[] p = new byte[12];
                p[0] = INFORMATIONAL_EXCEPTIONS;
                p[1] = 0x0A;
                p[2] = 0x08; // DEXCPT: no informational exceptions reported
                yield p;
            }
            default -> null;
        };
    }

    private static byte[] changeable(int code) {
        byte[] p = current(code);
        if (p != null) {
            Arrays.fill(p, 2, p.length, (byte) 0);
        }
        return p;
    }

    static ByteBuffer sense(byte[] cdb, boolean ten, long blocks) {
        boolean dbd = (cdb[1] & 0x08) != 0;
        boolean llbaa = ten && (cdb[1] & 0x10) != 0;
        int pc = (cdb[2] >> 6) & 0x03;
        int code = cdb[2] & 0x3F;
        int subpage = cdb[3] & 0xFF;
        int alloc = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
        if (pc == 3) {
            throw ScsiError.of(Sense.ILLEGAL_REQUEST, 0x39, 0x00); // SAVING PARAMETERS NOT SUPPORTED
        }
        ByteArrayOutputStream pages = new ByteArrayOutputStream();
        if (code == ALL) {
            if (subpage != 0x00 && subpage != 0xFF) {
                throw ScsiError.invalidCdb(3);
            }
            for (int p : PAGES) {
                pages.writeBytes(pc == 1 ? changeable(p) : current(p));
            }
        } else {
            byte[] p = pc == 1 ? changeable(code) : current(code);
            if (p == null) {
                throw ScsiError.invalidCdb(2, 5);
            }
            if (subpage != 0x00) {
                throw ScsiError.invalidCdb(3);
            }
            pages.writeBytes(p);
        }
        byte[] descriptor = dbd ? new byte[0] : blockDescriptor(llbaa, blocks);
        byte[] body = pages.toByteArray();
        int header = ten ? 8 : 4;
        byte[] d = new byte[header + descriptor.length + body.length];
        if (ten) {
            put16(d, 0, d.length - 2);
            d[3] = 0x10; // DPOFUA
            d[4] = (byte) (llbaa && !dbd ? 0x01 : 0x00);
            put16(d, 6, descriptor.length);
        } else {
            d[0] = (byte) Math.min(255, d.length - 1);
            d[2] = 0x10; // DPOFUA
            d[3] = (byte) descriptor.length;
        }
        System.arraycopy(descriptor, 0, d, header, descriptor.length);
        System.arraycopy(body, 0, d, header + descriptor.length, body.length);
        return ByteBuffer.wrap(d, 0, Math.min(alloc, d.length)).slice();
    }

    private static byte[] blockDescriptor(boolean longLba, long blocks) {
        if (longLba) {
            byte[] b = new byte[16];
            put64(b, 0, blocks);
            put32(b, 12, SbcTarget.BLOCK);
            return b;
        }
        byte[] b = new byte[8];
        put32(b, 0, blocks > 0xFFFFFFFFL ? 0xFFFFFFFFL : blocks);
        b[5] = (byte) (SbcTarget.BLOCK >>> 16);
        b[6] = (byte) (SbcTarget.BLOCK >>> 8);
        b[7] = (byte) SbcTarget.BLOCK;
        return b;
    }

    /** MODE SELECT: accepted only if it changes nothing. */
    static void select(byte[] cdb, boolean ten, ByteBuffer dataOut, long blocks) {
        boolean sp = (cdb[1] & 0x01) != 0;
        int length = ten ? Cdb.u16(cdb, 7) : Cdb.u8(cdb, 4);
        if (sp) {
            throw ScsiError.invalidCdb(1, 0);
        }
        if (length == 0) {
            return;
        }
        int header = ten ? 8 : 4;
        if (length < header || dataOut.remaining() < length) {
            throw ScsiError.parameterListLength();
        }
        byte[] p = new byte[length];
        dataOut.duplicate().get(p);
        int descriptorLength = ten ? Cdb.u16(p, 6) : Cdb.u8(p, 3);
        boolean longLba = ten && (p[4] & 0x01) != 0;
        int at = header;
        if (descriptorLength > 0) {
            int one = longLba ? 16 : 8;
            if (descriptorLength != one || at + one > length) {
                throw ScsiError.invalidParameter(ten ? 6 : 3);
            }
            long blockLength = longLba ? Cdb.u32(p, at + 12) : Cdb.u24(p, at + 5);
            if (blockLength != SbcTarget.BLOCK) {
                throw ScsiError.invalidParameter(at + (longLba ? 12 : 5));
            }
            long count = longLba ? Cdb.u64(p, at) : Cdb.u32(p, at);
            long expected = longLba ? blocks : Math.min(blocks, 0xFFFFFFFFL);
            if (count != 0 && count != expected) {
                throw ScsiError.invalidParameter(at);
            }
            at += one;
        }
        while (at < length) {
            if (at + 2 > length) {
                throw ScsiError.parameterListLength();
            }
            int code = p[at] & 0x3F;
            if ((p[at] & 0x40) != 0) {
                throw ScsiError.invalidParameter(at); // SPF: no subpages
            }
            byte[] cur = current(code);
            if (cur == null) {
                throw ScsiError.invalidParameter(at);
            }
            int pageLength = (p[at + 1] & 0xFF) + 2;
            if (pageLength != cur.length) {
                throw ScsiError.invalidParameter(at + 1);
            }
            if (at + pageLength > length) {
                throw ScsiError.parameterListLength();
            }
            for (int i = 2; i < pageLength; i++) {
                if (p[at + i] != cur[i]) {
                    throw ScsiError.invalidParameter(at + i);
                }
            }
            at += pageLength;
        }
    }
}
