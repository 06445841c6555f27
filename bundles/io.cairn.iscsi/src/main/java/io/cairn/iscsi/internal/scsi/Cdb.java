package io.cairn.iscsi.internal.scsi;

/**
 * Big-endian field access for CDBs and parameter data, and {@link #dataOutLength(byte[])} for the
 * transport (the SCSI-specified Data-Out length, needed for residuals).
 */
public final class Cdb {

    public static final int TEST_UNIT_READY = 0x00;
    public static final int REQUEST_SENSE = 0x03;
    public static final int READ_6 = 0x08;
    public static final int WRITE_6 = 0x0A;
    public static final int INQUIRY = 0x12;
    public static final int MODE_SELECT_6 = 0x15;
    public static final int RESERVE_6 = 0x16;
    public static final int RELEASE_6 = 0x17;
    public static final int MODE_SENSE_6 = 0x1A;
    public static final int READ_CAPACITY_10 = 0x25;
    public static final int READ_10 = 0x28;
    public static final int WRITE_10 = 0x2A;
    public static final int VERIFY_10 = 0x2F;
    public static final int SYNCHRONIZE_CACHE_10 = 0x35;
    public static final int WRITE_SAME_10 = 0x41;
    public static final int UNMAP = 0x42;
    public static final int MODE_SELECT_10 = 0x55;
    public static final int MODE_SENSE_10 = 0x5A;
    public static final int PERSISTENT_RESERVE_IN = 0x5E;
    public static final int PERSISTENT_RESERVE_OUT = 0x5F;
    public static final int READ_16 = 0x88;
    public static final int COMPARE_AND_WRITE = 0x89;
    public static final int WRITE_16 = 0x8A;
    public static final int VERIFY_16 = 0x8F;
    public static final int SYNCHRONIZE_CACHE_16 = 0x91;
    public static final int WRITE_SAME_16 = 0x93;
    public static final int SERVICE_ACTION_IN_16 = 0x9E;
    public static final int REPORT_LUNS = 0xA0;
    public static final int MAINTENANCE_IN = 0xA3;
    public static final int READ_12 = 0xA8;
    public static final int WRITE_12 = 0xAA;
    public static final int VERIFY_12 = 0xAF;

    /** SERVICE ACTION IN(16) service actions. */
    public static final int SA_READ_CAPACITY_16 = 0x10;
    public static final int SA_GET_LBA_STATUS = 0x12;
    /** MAINTENANCE IN service action. */
    public static final int SA_REPORT_SUPPORTED_OPCODES = 0x0C;

    private Cdb() {
    }

    /**
     * The number of Data-Out bytes the CDB itself asks for (SPC-4/SBC-3 "SPDTL") with 512-byte
     * blocks, or -1 when the command has no Data-Out or the engine does not know it. The transport
     * compares it with the Expected Data Transfer Length to report residuals of writes.
     */
    public static long dataOutLength(byte[] cdb) {
        if (cdb == null || cdb.length < 6) {
            return -1;
        }
        int op = cdb[0] & 0xFF;
        return switch (op) {
            case WRITE_6 -> {
                int n = u8(cdb, 4);
                yield (n == 0 ? 256L : n) * 512;
            }
            case WRITE_10 -> cdb.length >= 10 ? u16(cdb, 7) * 512L : -1;
            case WRITE_12 -> cdb.length >= 12 ? u32(cdb, 6) * 512L : -1;
            case WRITE_16 -> cdb.length >= 16 ? u32(cdb, 10) * 512L : -1;
            case VERIFY_10 -> cdb.length >= 10 ? bytchk(cdb, u16(cdb, 7)) : -1;
            case VERIFY_12 -> cdb.length >= 12 ? bytchk(cdb, u32(cdb, 6)) : -1;
            case VERIFY_16 -> cdb.length >= 16 ? bytchk(cdb, u32(cdb, 10)) : -1;
            case WRITE_SAME_10, WRITE_SAME_16 -> (cdb[1] & 0x01) != 0 ? 0 : 512; // NDOB
            case COMPARE_AND_WRITE -> cdb.length >= 16 ? 2L * u8(cdb, 13) * 512 : -1;
            case UNMAP -> cdb.length >= 10 ? u16(cdb, 7) : -1;
            case MODE_SELECT_6 -> u8(cdb, 4);
            case MODE_SELECT_10 -> cdb.length >= 10 ? u16(cdb, 7) : -1;
            case PERSISTENT_RESERVE_OUT -> cdb.length >= 10 ? u32(cdb, 5) : -1;
            default -> -1;
        };
    }

    private static long bytchk(byte[] cdb, long blocks) {
        int bytchk = (cdb[1] >> 1) & 0x03;
        return switch (bytchk) {
            case 0 -> 0;
            case 1 -> blocks * 512;
            case 3 -> 512;
            default -> -1;
        };
    }

    static int u8(byte[] b, int at) {
        return b[at] & 0xFF;
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
    }

    static int u24(byte[] b, int at) {
        return (b[at] & 0xFF) << 16 | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF);
    }

    static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    static long u64(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }

    static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    static void put32(byte[] b, int at, long v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static void put64(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    /** The CDB length its group code implies (SPC-4 §4.2.5.1), or -1 for vendor/reserved groups. */
    static int lengthOf(int opcode) {
        return switch (opcode >>> 5) {
            case 0 -> 6;
            case 1, 2 -> 10;
            case 4 -> 16;
            case 5 -> 12;
            default -> -1;
        };
    }
}
