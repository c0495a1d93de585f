package io.roadseg.engine;

import java.nio.file.Path;

/**
 * A backend that can open models, found through {@link java.util.ServiceLoader}. The provider itself must load
 * without the backend's native libraries; {@link #unavailableReason()} is where it tries them.
 *
 * <p>Threading: stateless; safe from any thread.
 */
public interface EngineProvider {

    /** Name used with {@code --engine}. */
    String name();

    /** Preference for {@code auto}: higher wins among available backends (GPU backends rank above CPU). */
    int rank();

    /** Null when the backend can run here, else one line saying what is missing (library, driver, device). */
    String unavailableReason();

    InferenceEngine open(Path model, EngineOptions options) throws InferenceException;
}
