package io.cairn.iscsi.internal.login;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text format of Login and Text PDUs (RFC 7143 §6.1): {@code key=value} pairs each ended by a
 * NUL byte, UTF-8, keys of at most 63 characters from {@code [A-Za-z0-9.\-+@_]}, and the value
 * encodings of §6.1 (decimal and hex numbers, {@code 0x}/{@code 0b} binary).
 */
public final class TextKeys {

    /** The longest value accepted (CHAP_C/CHAP_R in hex reach 2 KiB; SendTargets answers are built, not parsed). */
    public static final int MAX_VALUE_LENGTH = 8192;

    private TextKeys() {
    }

    /**
     * Parses a data segment. Trailing NULs are ignored.
     *
     * @throws LoginException (initiator error) on a pair without {@code =}, a bad key, an overlong
     *                        value or a key given twice
     */
    public static LinkedHashMap<String, String> parse(byte[] data) throws LoginException {
        LinkedHashMap<String, String> out = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == 0) {
                if (i > start) {
                    String pair = new String(data, start, i - start, StandardCharsets.UTF_8);
                    int eq = pair.indexOf('=');
                    if (eq < 0) {
                        throw new LoginException(LoginException.INITIATOR_ERROR, "text pair without '=': " + abbreviate(pair));
                    }
                    String key = pair.substring(0, eq);
                    String value = pair.substring(eq + 1);
                    if (!validKey(key)) {
                        throw new LoginException(LoginException.INITIATOR_ERROR, "invalid text key '" + abbreviate(key) + "'");
                    }
                    if (value.length() > MAX_VALUE_LENGTH) {
                        throw new LoginException(LoginException.INITIATOR_ERROR, "value of " + key + " is longer than " + MAX_VALUE_LENGTH);
                    }
                    if (out.putIfAbsent(key, value) != null) {
                        throw new LoginException(LoginException.INITIATOR_ERROR, "key " + key + " given twice");
                    }
                }
                start = i + 1;
            }
        }
        return out;
    }

    public static byte[] encode(Map<String, String> keys) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        keys.forEach((k, v) -> {
            out.writeBytes((k + "=" + v).getBytes(StandardCharsets.UTF_8));
            out.write(0);
        });
        return out.toByteArray();
    }

    static boolean validKey(String key) {
        if (key.isEmpty() || key.length() > 63) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == '@'
                    || c == '_' || c == '#')) {
                return false;
            }
        }
        return true;
    }

    /** A numerical value (decimal, or hex with 0x) within [min, max], or -1 when it is not one. */
    public static long number(String value, long min, long max) {
        long v;
        try {
            if (value.startsWith("0x") || value.startsWith("0X")) {
                if (value.length() < 3 || value.length() > 18) {
                    return -1;
                }
                v = Long.parseUnsignedLong(value.substring(2), 16);
            } else {
                if (value.isEmpty() || value.length() > 19 || !value.chars().allMatch(Character::isDigit)) {
                    return -1;
                }
                v = Long.parseLong(value);
            }
        } catch (NumberFormatException e) {
            return -1;
        }
        return v >= min && v <= max ? v : -1;
    }

    /** A boolean value: TRUE for Yes, FALSE for No, null otherwise. */
    public static Boolean bool(String value) {
        return switch (value) {
            case "Yes" -> Boolean.TRUE;
            case "No" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** A binary value ({@code 0x} hex or {@code 0b} base64), or null when malformed. */
    public static byte[] binary(String value) {
        try {
            if (value.startsWith("0x") || value.startsWith("0X")) {
                String hex = value.substring(2);
                if (hex.length() % 2 == 1) {
                    hex = "0" + hex;
                }
                return hex.isEmpty() ? null : HexFormat.of().parseHex(hex);
            }
            if (value.startsWith("0b") || value.startsWith("0B")) {
                byte[] b = Base64.getDecoder().decode(value.substring(2));
                return b.length == 0 ? null : b;
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    public static String hex(byte[] value) {
        return "0x" + HexFormat.of().formatHex(value);
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
