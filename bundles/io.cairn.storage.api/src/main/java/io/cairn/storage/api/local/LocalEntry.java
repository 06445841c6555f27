package io.cairn.storage.api.local;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** A key and its value, as returned by {@link LocalMetadataStore#scan}. Equal when both hold equal bytes. */
public record LocalEntry(byte[] key, byte[] value) {

    public LocalEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LocalEntry e && Arrays.equals(key, e.key) && Arrays.equals(value, e.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "LocalEntry[" + printable(key) + ", " + value.length + " bytes]";
    }

    /**
     * {@code key} for messages and logs: as text when it is printable ASCII, otherwise as hex
     * ({@code 0x...}); at most the first 64 bytes, then {@code ...}.
     */
    public static String printable(byte[] key) {
        if (key == null) {
            return "null";
        }
        int n = Math.min(key.length, 64);
        boolean text = true;
        for (int i = 0; i < n && text; i++) {
            text = key[i] >= 0x20 && key[i] < 0x7f;
        }
        String shown = text ? "'" + new String(key, 0, n, java.nio.charset.StandardCharsets.US_ASCII) + "'"
                : "0x" + HexFormat.of().formatHex(key, 0, n);
        return key.length > n ? shown + "..." : shown;
    }
}
