package io.cairn.common.error;

import java.util.Objects;

/**
 * The one exception the management plane raises. The message says what was wrong and what to do,
 * e.g. {@code container 'ctr1' has RF3 but the cluster has 4 nodes; RF3 needs 5}.
 */
public class CairnException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public CairnException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public CairnException(ErrorCode code, String message, Throwable cause) {
        super(requireMessage(message), cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    /** Shorthand for the most common case: bad input. */
    public static CairnException invalid(String message) {
        return new CairnException(ErrorCode.INVALID_ARGUMENT, message);
    }

    public static CairnException notFound(String message) {
        return new CairnException(ErrorCode.NOT_FOUND, message);
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }

    private static String requireMessage(String message) {
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("a CairnException needs a message a user can act on");
        }
        return message;
    }
}
