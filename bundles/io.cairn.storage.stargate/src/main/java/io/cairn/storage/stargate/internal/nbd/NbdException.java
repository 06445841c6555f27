package io.cairn.storage.stargate.internal.nbd;

import java.util.Objects;

/**
 * A failed export operation: the {@link NbdErrno} the client receives in its reply, and a message
 * for the server's log saying what went wrong (the client never sees the message; NBD replies
 * carry only the error number).
 *
 * <p>Expected faults (storage full, export shutting down, read-only) are logged without a stack
 * trace; an export that throws anything else is treated as a bug and answered with {@code EIO}.
 */
public final class NbdException extends Exception {

    private static final long serialVersionUID = 1L;

    private final NbdErrno errno;

    public NbdException(NbdErrno errno, String message) {
        super(message);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public NbdException(NbdErrno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /** The error number the client receives. */
    public NbdErrno errno() {
        return errno;
    }
}
