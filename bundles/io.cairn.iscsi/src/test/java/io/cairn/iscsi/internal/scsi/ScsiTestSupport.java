package io.cairn.iscsi.internal.scsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;

import io.cairn.storage.api.iscsi.LogicalUnit;

/** A target with one 8 MiB LU over a RAM vDisk, two nexuses, CDB builders and sense assertions. */
abstract class ScsiTestSupport {

    static final String TARGET = "iqn.2010-06.org.cairn:vg1-0000-tgt0";
    static final long SIZE = 8L << 20;
    static final long BLOCKS = SIZE / 512;
    static final String LU_ID = "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c";

    final RamVDisk disk = new RamVDisk(SIZE);
    final MemoryReservationStore store = new MemoryReservationStore();
    final SbcEngine engine = new SbcEngine();
    final ScsiTarget target = engine.target(TARGET, List.of(new LogicalUnit(0, disk, LU_ID)), store);
    final Nexus a = new Nexus("iqn.1991-05.com.example:host-a", "400001370000", TARGET, 1);
    final Nexus b = new Nexus("iqn.1991-05.com.example:host-b", "400001370001", TARGET, 1);

    ScsiResult exec(Nexus n, byte[] cdb) {
        return target.execute(n, 0, cdb, ByteBuffer.allocate(0), 65536);
    }

    ScsiResult exec(Nexus n, byte[] cdb, byte[] out) {
        return target.execute(n, 0, cdb, ByteBuffer.wrap(out), 0);
    }

    static byte[] cdb(int... bytes) {
        byte[] c = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            c[i] = (byte) bytes[i];
        }
        return c;
    }

    static byte[] cdb10(int op, int flags, long lba, int n) {
        byte[] c = new byte[10];
        c[0] = (byte) op;
        c[1] = (byte) flags;
        Cdb.put32(c, 2, lba);
        Cdb.put16(c, 7, n);
        return c;
    }

    static byte[] cdb12(int op, int flags, long lba, long n) {
        byte[] c = new byte[12];
        c[0] = (byte) op;
        c[1] = (byte) flags;
        Cdb.put32(c, 2, lba);
        Cdb.put32(c, 6, n);
        return c;
    }

    static byte[] cdb16(int op, int flags, long lba, long n) {
        byte[] c = new byte[16];
        c[0] = (byte) op;
        c[1] = (byte) flags;
        Cdb.put64(c, 2, lba);
        Cdb.put32(c, 10, n);
        return c;
    }

    static byte[] compareAndWrite(long lba, int n) {
        byte[] c = new byte[16];
        c[0] = (byte) Cdb.COMPARE_AND_WRITE;
        Cdb.put64(c, 2, lba);
        c[13] = (byte) n;
        return c;
    }

    static byte[] pattern(int blocks, int seed) {
        byte[] d = new byte[blocks * 512];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (i * 31 + seed);
        }
        return d;
    }

    static byte[] data(ScsiResult r) {
        assertThat(r.status()).as("status").isEqualTo(ScsiResult.GOOD);
        if (r.dataIn() == null) {
            return new byte[0];
        }
        ByteBuffer b = r.dataIn().duplicate();
        byte[] d = new byte[b.remaining()];
        b.get(d);
        return d;
    }

    static void assertGood(ScsiResult r) {
        assertThat(r.status()).as(() -> "status, sense " + describe(r)).isEqualTo(ScsiResult.GOOD);
    }

    static void assertSense(ScsiResult r, int key, int asc, int ascq) {
        assertThat(r.status()).as("status").isEqualTo(ScsiResult.CHECK_CONDITION);
        assertThat(describe(r)).isEqualTo(String.format("%x/%02x/%02x", key, asc, ascq));
    }

    static void assertConflict(ScsiResult r) {
        assertThat(r.status()).as(() -> "RESERVATION CONFLICT expected, got " + r.status() + " " + describe(r))
                .isEqualTo(ScsiResult.RESERVATION_CONFLICT);
    }

    static String describe(ScsiResult r) {
        byte[] s = r.sense();
        return s == null ? "none" : String.format("%x/%02x/%02x", s[2] & 0x0F, s[12] & 0xFF, s[13] & 0xFF);
    }

    /** The sense-key-specific field pointer, or -1. */
    static int fieldPointer(ScsiResult r) {
        byte[] s = r.sense();
        return (s[15] & 0x80) == 0 ? -1 : Cdb.u16(s, 16);
    }

    /** The INFORMATION field, or -1 when not valid. */
    static long information(ScsiResult r) {
        byte[] s = r.sense();
        return (s[0] & 0x80) == 0 ? -1 : Cdb.u32(s, 3);
    }
}
