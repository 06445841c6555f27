package io.cairn.storage.api.medusa;

import io.cairn.common.error.CairnException;
import io.cairn.common.error.ErrorCode;

/** A Medusa operation failed; {@link #reason()} says how, the message what to do. */
public class MedusaException extends CairnException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** The shard has no quorum (a majority of its replicas is unreachable): nothing was applied. */
        SHARD_UNAVAILABLE(ErrorCode.UNAVAILABLE),
        /** A compare-and-set, versioned delete or check found another version: nothing was applied. */
        VERSION_CONFLICT(ErrorCode.CONFLICT),
        KEY_TOO_LARGE(ErrorCode.INVALID_ARGUMENT),
        VALUE_TOO_LARGE(ErrorCode.INVALID_ARGUMENT),
        /** Malformed request (bad key, cross-shard batch, bad scan prefix or limit): nothing was applied. */
        INVALID_REQUEST(ErrorCode.INVALID_ARGUMENT),
        /** The deadline passed: a write may or may not have been applied; re-read to find out. */
        TIMEOUT(ErrorCode.TIMEOUT),
        /** Medusa is not set up on this cluster yet (no shard map), or this node is not part of it. */
        NOT_READY(ErrorCode.UNAVAILABLE);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    private final Reason reason;
    private final long actualVersion;

    public MedusaException(Reason reason, String message) {
        this(reason, message, -1, null);
    }

    public MedusaException(Reason reason, String message, long actualVersion, Throwable cause) {
        super(reason.code(), message, cause);
        this.reason = reason;
        this.actualVersion = actualVersion;
    }

    public Reason reason() {
        return reason;
    }

    /** For {@code VERSION_CONFLICT}: the version the key actually had ({@link Medusa#ABSENT} if absent); -1 otherwise. */
    public long actualVersion() {
        return actualVersion;
    }
}
