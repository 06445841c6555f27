package io.cairn.storage.stargate.internal.estore;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/**
 * An {@link ExtentStore} operation failed; {@link #reason()} says how, the message what was wrong
 * and what to do. Failures that concern a disk are {@link DiskException}s, checksum mismatches
 * {@link SliceChecksumException}s; both name the disk.
 */
public class ExtentStoreException extends CairnException {

    private static final long serialVersionUID = 1L;

    /** How an operation failed. */
    public enum Reason {
        /** Offset or length not slice-aligned or outside the egroup, unknown disk, wrong disk: nothing was done. */
        INVALID_REQUEST(ErrorCode.INVALID_ARGUMENT),
        /** This node holds no replica of the egroup. */
        NOT_FOUND(ErrorCode.NOT_FOUND),
        /** No online disk has room for the write (capacity or file system full): nothing was acknowledged. */
        NO_SPACE(ErrorCode.RESOURCE_EXHAUSTED),
        /** Stored slices fail their CRC32C check ({@link SliceChecksumException}): read another replica and repair. */
        CHECKSUM_MISMATCH(ErrorCode.UNAVAILABLE),
        /** The disk failed an I/O ({@link DiskException}): a write's outcome is unknown; read another replica. */
        DISK_IO_ERROR(ErrorCode.UNAVAILABLE),
        /** The egroup's disk is offline or not configured ({@link DiskException}): read another replica. */
        DISK_OFFLINE(ErrorCode.UNAVAILABLE),
        /** The egroup's node-local metadata record cannot be decoded: treat this replica as lost. */
        CORRUPT_METADATA(ErrorCode.FAILED_PRECONDITION),
        /** The store is closed (the node is stopping): nothing was done. */
        CLOSED(ErrorCode.UNAVAILABLE);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final Reason reason;

    public ExtentStoreException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ExtentStoreException(Reason reason, String message, Throwable cause) {
        super(reason.code(), message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
