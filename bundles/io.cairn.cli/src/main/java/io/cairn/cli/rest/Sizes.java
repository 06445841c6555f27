package io.cairn.cli.rest;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes on the command line: a whole number with an optional K, M, G, T (or P, E) (binary units,
 * case-insensitive, an optional trailing {@code B} or {@code iB}: {@code 10G}, {@code 10GiB},
 * {@code 512m}). A bare number is bytes for {@code ncli} (as {@code cairn ncli} takes it) and MiB for
 * {@code acli} (spec 10 §17: {@code memory=512} is 512 MiB).
 */
final class Sizes {

    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([KMGTPE]?)(I?B)?", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** Bytes of {@code text}; a bare number counts {@code bareUnit} bytes each. */
    static long parse(String key, String text, long bareUnit) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches() || (m.group(2).isEmpty() && m.group(3) != null && !m.group(3).equalsIgnoreCase("B"))) {
            throw CliException.usage(key + "=" + text + " is not a size: give a whole number of bytes, or with K, M, G, T, P or E (binary units), e.g. "
                    + key + "=10G");
        }
        long unit = switch (m.group(2).toUpperCase()) {
            case "K" -> 1L << 10;
            case "M" -> 1L << 20;
            case "G" -> 1L << 30;
            case "T" -> 1L << 40;
            case "P" -> 1L << 50;
            case "E" -> 1L << 60;
            default -> m.group(3) != null ? 1 : bareUnit;
        };
        BigInteger bytes = new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unit));
        if (bytes.signum() == 0 || bytes.bitLength() > 63) {
            throw CliException.usage(key + "=" + text + " must be more than 0 and at most 2^63-1 bytes");
        }
        return bytes.longValueExact();
    }

    /** {@code 10 GiB} when exact in the largest unit, else the bytes: for output. */
    static String format(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (4 - i));
            if (bytes >= unit) {
                return bytes % unit == 0 ? bytes / unit + " " + units[i]
                        : String.format(java.util.Locale.ROOT, "%.2f %s (%d bytes)", (double) bytes / unit, units[i], bytes);
            }
        }
        return bytes + " bytes";
    }
}
