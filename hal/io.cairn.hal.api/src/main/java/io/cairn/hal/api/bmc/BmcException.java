package io.cairn.hal.api.bmc;

import java.io.IOException;
import java.util.Objects;

/** A BMC operation failed; {@link #reason()} says what kind of failure, the message what to do. */
public class BmcException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, for callers that react differently (retry, ask for credentials, alert). */
    public enum Reason {
        /** Wrong user name or password, or the user may not have the privilege asked for. */
        AUTHENTICATION,
        /** Nothing answers at the address (connection refused, ICMP port unreachable, unknown host). */
        UNREACHABLE,
        /** No answer within the configured time and retries. */
        TIMEOUT,
        /** The BMC answered but refused the command (an IPMI completion code, a failing power command). */
        REFUSED,
        /** This BMC cannot do what was asked. */
        UNSUPPORTED,
        /** The BMC's answer could not be understood or failed an integrity check. */
        PROTOCOL
    }

    private final Reason reason;

    public BmcException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    public BmcException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }
}
