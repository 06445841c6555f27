package io.cairn.hal.ipmi.internal;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** IPMI type/length-encoded strings (SDR ID strings, FRU fields; Platform Management FRU spec §13). */
final class TypeLength {

    private TypeLength() {
    }

    /** Decodes {@code length} bytes at {@code offset} in the encoding {@code type} (bits 7:6 of the type/length byte). */
    static String decode(byte[] b, int offset, int type, int length) {
        int end = Math.min(b.length, offset + length);
        if (offset >= end) {
            return "";
        }
        return switch (type) {
            case 0 -> HexFormat.of().formatHex(b, offset, end); // binary or unspecified
            case 1 -> bcdPlus(b, offset, end);
            case 2 -> sixBitAscii(b, offset, end);
            default -> new String(b, offset, end - offset, StandardCharsets.ISO_8859_1).strip();
        };
    }

    private static String bcdPlus(byte[] b, int offset, int end) {
        StringBuilder out = new StringBuilder();
        for (int i = offset; i < end; i++) {
            for (int nibble : new int[] {b[i] & 0x0F, (b[i] >> 4) & 0x0F}) {
                out.append(nibble < 10 ? (char) ('0' + nibble) : switch (nibble) {
                    case 0xA -> ' ';
                    case 0xB -> '-';
                    case 0xC -> '.';
                    default -> '?';
                });
            }
        }
        return out.toString().strip();
    }

    private static String sixBitAscii(byte[] b, int offset, int end) {
        StringBuilder out = new StringBuilder();
        int bits = 0;
        int count = 0;
        for (int i = offset; i < end; i++) {
            bits |= (b[i] & 0xFF) << count;
            count += 8;
            while (count >= 6) {
                out.append((char) (0x20 + (bits & 0x3F)));
                bits >>>= 6;
                count -= 6;
            }
        }
        return out.toString().strip();
    }
}
