package io.cairn.hal.api.net;

import java.util.Objects;

/** A network interface operation failed; {@link #reason()} says what kind of failure, the message what to do. */
public class NetworkException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The named interface does not exist on this node. */
        NO_INTERFACE,
        /** The process may not change addresses or send raw frames (it needs CAP_NET_ADMIN and CAP_NET_RAW). */
        NOT_PERMITTED,
        /** A tool this provider runs is not installed. */
        TOOL_MISSING,
        /** An argument is malformed (interface name, prefix length, count). */
        INVALID,
        /** The operation failed for another reason (the message carries the tool's own words). */
        FAILED
    }

    private final Reason reason;

    public NetworkException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    public NetworkException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }
}
