package io.cairn.launcher;

/** A launch failure the operator can act on; {@link #exitCode()} is the process exit status. */
final class LaunchException extends Exception {

    private static final long serialVersionUID = 1L;

    static final int USAGE = 2;
    static final int IN_USE = 3;
    static final int FAILED = 1;

    private final int exitCode;

    LaunchException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    LaunchException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
