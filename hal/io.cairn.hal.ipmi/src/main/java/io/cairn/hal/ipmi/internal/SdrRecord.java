package io.cairn.hal.ipmi.internal;

import java.util.Optional;

/**
 * A sensor's record in the BMC's SDR repository: a full (type 01h) or compact (type 02h) sensor record
 * (IPMI 2.0 §43.1, §43.2). Conversion factors are meaningful for full records only.
 */
record SdrRecord(String name, int ownerId, int lun, int number, int sensorType, int readingType, int units1,
        int baseUnit, int modifierUnit, boolean full, int linearization, int m, int b, int bExp, int rExp) {

    static final int FULL = 0x01;
    static final int COMPACT = 0x02;

    /** Parses a whole record (5-byte header included); empty for records that describe no sensor. */
    static Optional<SdrRecord> parse(byte[] r) {
        if (r.length < 5) {
            return Optional.empty();
        }
        int type = r[3] & 0xFF;
        int nameAt = switch (type) {
            case FULL -> 47;
            case COMPACT -> 31;
            default -> -1;
        };
        if (nameAt < 0 || r.length <= nameAt) {
            return Optional.empty();
        }
        int tl = r[nameAt] & 0xFF;
        String name = TypeLength.decode(r, nameAt + 1, tl >> 6, tl & 0x1F);
        boolean full = type == FULL;
        int m = full ? signed(((r[25] & 0xC0) << 2) | (r[24] & 0xFF), 10) : 1;
        int b = full ? signed(((r[27] & 0xC0) << 2) | (r[26] & 0xFF), 10) : 0;
        int rExp = full ? signed((r[29] & 0xF0) >> 4, 4) : 0;
        int bExp = full ? signed(r[29] & 0x0F, 4) : 0;
        return Optional.of(new SdrRecord(name, r[5] & 0xFF, r[6] & 0x03, r[7] & 0xFF, r[12] & 0xFF, r[13] & 0xFF,
                r[20] & 0xFF, r[21] & 0xFF, r[22] & 0xFF, full, full ? r[23] & 0x7F : 0, m, b, bExp, rExp));
    }

    /** A threshold-based (analog) sensor: event/reading type 01h. */
    boolean threshold() {
        return readingType == 0x01;
    }

    /** Whether the record converts a raw byte into a number (full record, analog data format not "none"). */
    boolean analog() {
        return full && (units1 >> 6) != 3;
    }

    /** The reading in units: y = L[(M·x + B·10^Bexp)·10^Rexp] (IPMI 2.0 §36.3). */
    double convert(int raw) {
        int x = switch (units1 >> 6) {
            case 1 -> (raw & 0x80) != 0 ? -((~raw) & 0x7F) : raw; // one's complement
            case 2 -> (byte) raw; // two's complement
            default -> raw & 0xFF;
        };
        double y = (m * (double) x + b * Math.pow(10, bExp)) * Math.pow(10, rExp);
        return switch (linearization) {
            case 1 -> Math.log(y);
            case 2 -> Math.log10(y);
            case 3 -> Math.log(y) / Math.log(2);
            case 4 -> Math.exp(y);
            case 5 -> Math.pow(10, y);
            case 6 -> Math.pow(2, y);
            case 7 -> 1 / y;
            case 8 -> y * y;
            case 9 -> y * y * y;
            case 10 -> Math.sqrt(y);
            case 11 -> Math.cbrt(y);
            default -> y;
        };
    }

    private static int signed(int value, int bits) {
        int shift = 32 - bits;
        return (value << shift) >> shift;
    }
}
