package io.cairn.storage.stargate.internal.oplog;

/**
 * What a write record carries. Only {@link #DATA} stores payload bytes; {@link #ZERO} and
 * {@link #TRIM} read back as zeros and cost a record header only, which is how zero writes consume
 * far less OpLog space than their size (spec 20 §4). The drainer may deallocate a {@link #TRIM}
 * range in the extent store instead of writing zeros.
 */
public enum RecordKind {
    /** The payload holds the written bytes. */
    DATA(0),
    /** The range was written with zeros; no payload is stored. */
    ZERO(1),
    /** The range was unmapped (SCSI UNMAP, NFS hole punch); reads return zeros; no payload. */
    TRIM(2);

    private final int code;

    RecordKind(int code) {
        this.code = code;
    }

    /** The value stored in a record's flags field. */
    int code() {
        return code;
    }

    /** The kind stored as {@code code}, or null if no write kind has that code. */
    static RecordKind ofCode(int code) {
        for (RecordKind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        return null;
    }
}
