package io.roadseg.sink;

/** An output that cannot be opened or written. The message names the output and the problem in one line. */
public class SinkException extends Exception {
    public SinkException(String message) {
        super(message);
    }
}
