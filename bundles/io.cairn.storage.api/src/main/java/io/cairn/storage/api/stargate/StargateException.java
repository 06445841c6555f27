package io.cairn.storage.api.stargate;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** A Stargate operation failed; {@link #reason()} says how, the message what to do. */
public class StargateException extends CairnException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** Malformed request (bad name, size, alignment, range, replication factor): nothing was done. */
        INVALID_REQUEST(ErrorCode.INVALID_ARGUMENT),
        NOT_FOUND(ErrorCode.NOT_FOUND),
        ALREADY_EXISTS(ErrorCode.ALREADY_EXISTS),
        /** The object is not in a state that allows this (e.g. deleting a container that holds vDisks). */
        FAILED_PRECONDITION(ErrorCode.FAILED_PRECONDITION),
        /** The pool is 95% full: user writes are refused (reads and rebuilds continue); free space or add disks. */
        STORAGE_FULL(ErrorCode.RESOURCE_EXHAUSTED),
        /** Not enough healthy nodes or disks to keep the replication factor, or the owner is unreachable. */
        UNAVAILABLE(ErrorCode.UNAVAILABLE),
        /** The deadline passed; a write may or may not be durable: read it back. */
        TIMEOUT(ErrorCode.TIMEOUT),
        /** This Stargate no longer owns the vDisk (a newer owner holds a higher epoch): nothing was written. */
        STALE_OWNER(ErrorCode.CONFLICT),
        /** Every replica of the data failed its checksum or is unreadable. */
        DATA_ERROR(ErrorCode.INTERNAL);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final Reason reason;

    public StargateException(Reason reason, String message) {
        this(reason, message, null);
    }

    public StargateException(Reason reason, String message, Throwable cause) {
        super(reason.code(), message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
