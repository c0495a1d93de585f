package io.roadseg.cli;

/** An error to report to the user as one line, with a non-zero exit. */
final class UserError extends Exception {
    UserError(String message) {
        super(message);
    }

    UserError(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * An I/O failure as one line: a file-system one names the file and the problem ({@link Errors#describe}; its own
     * message is the bare path), any other keeps its message.
     */
    static UserError of(Exception e) {
        String file = Errors.describe(e);
        return new UserError(file != null ? file : e.getMessage() != null ? e.getMessage() : e.toString(), e);
    }
}
