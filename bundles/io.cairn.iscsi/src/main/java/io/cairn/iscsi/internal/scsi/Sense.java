package io.cairn.iscsi.internal.scsi;

/** Sense keys and fixed/descriptor sense-data builders (SPC-4 §4.5). */
final class Sense {

    static final int NO_SENSE = 0x0;
    static final int NOT_READY = 0x2;
    static final int MEDIUM_ERROR = 0x3;
    static final int HARDWARE_ERROR = 0x4;
    static final int ILLEGAL_REQUEST = 0x5;
    static final int UNIT_ATTENTION = 0x6;
    static final int DATA_PROTECT = 0x7;
    static final int ABORTED_COMMAND = 0xB;
    static final int MISCOMPARE = 0xE;

    /** Fixed-format sense data length. */
    static final int FIXED_LENGTH = 18;

    private Sense() {
    }

    static byte[] fixed(int key, int asc, int ascq) {
        return fixed(key, asc, ascq, null, -1, -1, true);
    }

    static byte[] fixed(int key, int asc, int ascq, Long information, int fieldPointer, int bitPointer, boolean inCdb) {
        byte[] s = new byte[FIXED_LENGTH];
        s[0] = (byte) (0x70 | (information != null ? 0x80 : 0));
        s[2] = (byte) (key & 0x0F);
        if (information != null) {
            long v = information;
            s[3] = (byte) (v >>> 24);
            s[4] = (byte) (v >>> 16);
            s[5] = (byte) (v >>> 8);
            s[6] = (byte) v;
        }
        s[7] = 10;
        s[12] = (byte) asc;
        s[13] = (byte) ascq;
        if (fieldPointer >= 0) {
            s[15] = (byte) (0x80 | (inCdb ? 0x40 : 0) | (bitPointer >= 0 ? 0x08 | (bitPointer & 7) : 0));
            s[16] = (byte) (fieldPointer >>> 8);
            s[17] = (byte) fieldPointer;
        }
        return s;
    }

    /** Converts fixed-format sense data to descriptor format (SPC-4 §4.5.2), for REQUEST SENSE with DESC=1. */
    static byte[] toDescriptor(byte[] fixed) {
        boolean info = (fixed[0] & 0x80) != 0;
        boolean sks = (fixed[15] & 0x80) != 0;
        int len = 8 + (info ? 12 : 0) + (sks ? 8 : 0);
        byte[] d = new byte[len];
        d[0] = 0x72;
        d[1] = (byte) (fixed[2] & 0x0F);
        d[2] = fixed[12];
        d[3] = fixed[13];
        d[7] = (byte) (len - 8);
        int p = 8;
        if (info) {
            d[p] = 0x00;
            d[p + 1] = 0x0A;
            d[p + 2] = (byte) 0x80;
            System.arraycopy(fixed, 3, d, p + 8, 4);
            p += 12;
        }
        if (sks) {
            d[p] = 0x02;
            d[p + 1] = 0x06;
            System.arraycopy(fixed, 15, d, p + 4, 3);
        }
        return d;
    }

    /** A unit attention code as one int: {@code asc << 8 | ascq}. */
    static int ua(int asc, int ascq) {
        return asc << 8 | ascq;
    }

    static final int UA_POWER_ON_RESET = ua(0x29, 0x00);
    static final int UA_BUS_DEVICE_RESET = ua(0x29, 0x03);
    static final int UA_CAPACITY_CHANGED = ua(0x2A, 0x09);
    static final int UA_RESERVATIONS_PREEMPTED = ua(0x2A, 0x03);
    static final int UA_RESERVATIONS_RELEASED = ua(0x2A, 0x04);
    static final int UA_REGISTRATIONS_PREEMPTED = ua(0x2A, 0x05);
}
