package io.roadseg.engine;

/**
 * A model that cannot be opened or run, or a backend that cannot load. The message names the model file or the
 * backend and what is wrong, in one line fit for a user.
 */
public class InferenceException extends Exception {
    public InferenceException(String message) {
        super(message);
    }

    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
