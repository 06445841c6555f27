package io.cairn.foundation;

/** A refusal or failure whose message says what was wrong and what to do. */
public final class FoundationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public FoundationException(String message) {
        super(message);
    }

    public FoundationException(String message, Throwable cause) {
        super(message, cause);
    }
}
