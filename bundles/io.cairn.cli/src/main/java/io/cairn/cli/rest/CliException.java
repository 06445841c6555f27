package io.cairn.cli.rest;

/** A command that failed (exit 1) or could not be understood (exit 2); the message is for the user. */
public final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Exit status of a failed command. */
    public static final int FAILED = 1;
    /** Exit status of a command line that cannot be understood. */
    public static final int USAGE = 2;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    static CliException failed(String message) {
        return new CliException(FAILED, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
