package io.roadseg.cli;

/** An error to report to the user as one line, with a non-zero exit. */
final class UserError extends Exception {
    UserError(String message) {
        super(message);
    }

    UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
