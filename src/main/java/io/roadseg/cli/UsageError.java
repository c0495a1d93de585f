package io.roadseg.cli;

/** A bad option value: reported as one line with the usage exit code (2), like picocli's own parse errors. */
final class UsageError extends Exception {
    UsageError(String message) {
        super(message);
    }
}
