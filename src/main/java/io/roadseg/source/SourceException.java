package io.roadseg.source;

/** A source that cannot be opened or read. The message names the source and the problem in one line. */
public class SourceException extends Exception {
    public SourceException(String message) {
        super(message);
    }

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
