package io.cairn.storage.api.medusa;

import java.util.Objects;

/** A key, its value and the version of the write that produced it. */
public record Entry(String key, byte[] value, long version) {
    public Entry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
