package io.cairn.storage.api.local;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** A {@link LocalMetadataStore} operation failed; {@link #reason()} says how, the message what to do. */
public class LocalMetadataException extends CairnException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** A null or empty key, a null value, an over-large batch or a scan limit out of range: nothing was applied. */
        INVALID_REQUEST(ErrorCode.INVALID_ARGUMENT),
        /** A key longer than {@link LocalMetadataStore#MAX_KEY_BYTES}: nothing was applied. */
        KEY_TOO_LARGE(ErrorCode.INVALID_ARGUMENT),
        /** A value longer than {@link LocalMetadataStore#MAX_VALUE_BYTES}: nothing was applied. */
        VALUE_TOO_LARGE(ErrorCode.INVALID_ARGUMENT),
        /** The store is closed (the node is stopping or the service is being restarted): nothing was applied. */
        CLOSED(ErrorCode.UNAVAILABLE),
        /** Another process (or another store in this process) has the store's directory open. */
        IN_USE(ErrorCode.FAILED_PRECONDITION),
        /** The file system holding the store is full: a write's outcome is unknown. */
        DISK_FULL(ErrorCode.RESOURCE_EXHAUSTED),
        /** The disk or file system holding the store failed: a write's outcome is unknown. */
        IO_ERROR(ErrorCode.UNAVAILABLE),
        /** The store's files are damaged: this node can no longer locate its extent groups. */
        CORRUPTED(ErrorCode.FAILED_PRECONDITION);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final Reason reason;

    public LocalMetadataException(Reason reason, String message) {
        this(reason, message, null);
    }

    public LocalMetadataException(Reason reason, String message, Throwable cause) {
        super(reason.code(), message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
