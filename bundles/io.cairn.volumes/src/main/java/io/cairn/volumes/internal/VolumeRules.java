package io.cairn.volumes.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.cairn.common.error.CairnException;
import io.cairn.storage.api.iscsi.Chap;

/** The rules of spec 50 §1 for what a volume group may hold; each check throws INVALID_ARGUMENT with what to do. */
final class VolumeRules {

    /** Disks per volume group. */
    static final int MAX_DISKS = 256;
    /** The smallest disk: 1 MiB. */
    static final long MIN_DISK_BYTES = 1L << 20;
    /** The default and the largest {@code num_virtual_targets}. */
    static final int MAX_VIRTUAL_TARGETS = 32;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT])?(I?B)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern IQN = Pattern.compile("iqn\\.\\d{4}-\\d{2}\\.[a-z0-9][a-z0-9.-]*(:[^\\s]*)?");
    private static final Pattern EUI = Pattern.compile("eui\\.[0-9a-f]{16}");
    private static final Pattern NAA = Pattern.compile("naa\\.([0-9a-f]{16}|[0-9a-f]{32})");

    private VolumeRules() {
    }

    /**
     * A volume group name is part of its iSCSI target names, so it uses their characters: 1 to 64
     * lower-case letters, digits, {@code -} and {@code .}, starting with a letter or digit.
     */
    static String checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw CairnException.invalid("a volume group name is required");
        }
        if (!NAME.matcher(name).matches()) {
            throw CairnException.invalid("volume group name '" + name + "' is not valid: use 1 to 64 lower-case letters, digits, '-' and "
                    + "'.', starting with a letter or digit (it becomes part of iSCSI target names, which are lower case)");
        }
        return name;
    }

    /** An initiator name: {@code iqn.yyyy-mm.reversed.domain[:id]}, {@code eui.<16 hex>} or {@code naa.<16|32 hex>}, at most 223 bytes. */
    static String checkInitiator(String iqn) {
        if (iqn == null || iqn.isEmpty()) {
            throw CairnException.invalid("an initiator name (IQN) is required");
        }
        String n = iqn.toLowerCase(Locale.ROOT);
        boolean ok = n.getBytes(StandardCharsets.UTF_8).length <= 223
                && (IQN.matcher(n).matches() || EUI.matcher(n).matches() || NAA.matcher(n).matches());
        if (!ok) {
            throw CairnException.invalid("'" + iqn + "' is not an iSCSI initiator name: use iqn.<yyyy-mm>.<reversed domain>[:<id>] "
                    + "(e.g. iqn.1991-05.com.microsoft:host1), eui.<16 hex digits> or naa.<16 or 32 hex digits>");
        }
        return n;
    }

    /**
     * A disk size: bytes, or a number with K, M, G or T (binary: 500G = 500 GiB; {@code B}/{@code iB}
     * may follow). It must be a multiple of 512 bytes, at least 1 MiB and at most 2^63−1 bytes.
     */
    static long parseSize(String text) {
        Matcher m = text == null ? null : SIZE.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw CairnException.invalid("disk size '" + text + "' is not a size: give bytes or a number with K, M, G or T (binary), e.g. 500G");
        }
        long bytes;
        try {
            long n = Long.parseLong(m.group(1));
            int shift = m.group(2) == null ? 0 : switch (Character.toUpperCase(m.group(2).charAt(0))) {
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                default -> 40;
            };
            bytes = Math.multiplyExact(n, 1L << shift);
        } catch (NumberFormatException | ArithmeticException e) {
            throw CairnException.invalid("disk size '" + text + "' is larger than the largest disk, 2^63-1 bytes");
        }
        return checkSize(bytes, text);
    }

    static long checkSize(long bytes, String asGiven) {
        if (bytes < MIN_DISK_BYTES) {
            throw CairnException.invalid("disk size " + asGiven + " is below the smallest disk, 1 MiB (1048576 bytes)");
        }
        if (bytes % 512 != 0) {
            throw CairnException.invalid("disk size " + asGiven + " (" + bytes + " bytes) is not a multiple of 512 bytes; round it to whole "
                    + "512-byte blocks, e.g. " + (bytes / 512 * 512 + 512));
        }
        return bytes;
    }

    /** {@code num_virtual_targets}: 1..32, default 32. */
    static int checkVirtualTargets(int n) {
        if (n < 1 || n > MAX_VIRTUAL_TARGETS) {
            throw CairnException.invalid("num_virtual_targets=" + n + " is out of range; use 1 to " + MAX_VIRTUAL_TARGETS);
        }
        return n;
    }

    /** A CHAP secret: 12 to 16 bytes; null stays null (no CHAP). */
    static String checkSecret(String which, String secret) {
        if (secret == null) {
            return null;
        }
        try {
            Chap.checkSecret(which, secret.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw CairnException.invalid(e.getMessage());
        }
        return secret;
    }

    /** The mutual-CHAP target secret must differ from every initiator secret (spec 50 §1). */
    static void checkDistinct(String targetSecret, String initiatorSecret) {
        if (targetSecret != null && targetSecret.equals(initiatorSecret)) {
            throw CairnException.invalid("the initiator secret equals the volume group's mutual-CHAP target secret; the two must differ, "
                    + "choose another initiator secret");
        }
    }
}
