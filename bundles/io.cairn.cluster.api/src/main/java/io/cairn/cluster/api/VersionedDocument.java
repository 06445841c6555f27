package io.cairn.cluster.api;

import java.util.Objects;

/**
 * A Zeus configuration document as read: its bytes and the version a compare-and-set must name.
 *
 * @param name    the document name ({@code a/b/c}: lower-case letters, digits, {@code -_.} and {@code /})
 * @param data    the content
 * @param version incremented by every successful write; {@link #ABSENT} names "must not exist yet"
 */
public record VersionedDocument(String name, byte[] data, int version) {

    /** The expected version for a create: the write succeeds only if the document does not exist. */
    public static final int ABSENT = -1;

    public VersionedDocument {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
    }
}
