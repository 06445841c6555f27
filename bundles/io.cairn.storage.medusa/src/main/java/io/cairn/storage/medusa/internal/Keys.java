package io.cairn.storage.medusa.internal;

import java.nio.charset.StandardCharsets;

import io.cairn.storage.api.medusa.Medusa;
import io.cairn.storage.api.medusa.MedusaException;
import io.cairn.storage.api.medusa.MedusaException.Reason;

/** Validation of keys and values, with errors that say what to change. */
final class Keys {

    private Keys() {
    }

    static void check(String key) {
        if (key == null || key.isEmpty()) {
            throw new MedusaException(Reason.INVALID_REQUEST, "a key must not be empty");
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Medusa.MAX_KEY_BYTES) {
            throw new MedusaException(Reason.KEY_TOO_LARGE, "key '" + key.substring(0, 40) + "...' has " + bytes
                    + " bytes; keys have at most " + Medusa.MAX_KEY_BYTES + " bytes (UTF-8): keep large data in the value");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !validSurrogate(key, i)) {
                throw new MedusaException(Reason.INVALID_REQUEST, "key '" + key.replaceAll("\\p{Cntrl}", "?")
                        + "' has a control or malformed character at position " + i + "; keys are printable UTF-8 text");
            }
        }
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    static void checkValue(String key, byte[] value) {
        if (value == null) {
            throw new MedusaException(Reason.INVALID_REQUEST, "the value of key '" + key + "' is missing; write an empty value instead");
        }
        if (value.length > Medusa.MAX_VALUE_BYTES) {
            throw new MedusaException(Reason.VALUE_TOO_LARGE, "the value of key '" + key + "' has " + value.length
                    + " bytes; values have at most " + Medusa.MAX_VALUE_BYTES + " bytes: split it over several keys");
        }
    }
}
