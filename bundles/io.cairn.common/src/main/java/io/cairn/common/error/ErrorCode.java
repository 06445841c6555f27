package io.cairn.common.error;

/**
 * What went wrong, in terms a caller can act on. Each code has the HTTP status Prism answers with
 * and whether retrying the same request later may succeed.
 */
public enum ErrorCode {
    /** The request itself is malformed or a value is out of range; fix the input. */
    INVALID_ARGUMENT(400, false),
    /** No credentials, or they are wrong or expired. */
    UNAUTHENTICATED(401, false),
    /** Authenticated, but the role does not allow this action. */
    PERMISSION_DENIED(403, false),
    NOT_FOUND(404, false),
    ALREADY_EXISTS(409, false),
    /** A compare-and-set or concurrent change lost; re-read and retry. */
    CONFLICT(409, true),
    /** The cluster is not in a state that allows this (e.g. RF3 on a 4-node cluster). */
    FAILED_PRECONDITION(412, false),
    /** Out of space, quota or another limit. */
    RESOURCE_EXHAUSTED(507, true),
    /** The operation is not supported by this release or configuration. */
    UNSUPPORTED(501, false),
    /** A service or quorum needed for this is not reachable right now. */
    UNAVAILABLE(503, true),
    /** The deadline passed before the operation finished; it may still complete. */
    TIMEOUT(504, true),
    /** A bug: the message says what failed, and the log has the details. */
    INTERNAL(500, false);

    private final int httpStatus;
    private final boolean retryable;

    ErrorCode(int httpStatus, boolean retryable) {
        this.httpStatus = httpStatus;
        this.retryable = retryable;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean retryable() {
        return retryable;
    }
}
