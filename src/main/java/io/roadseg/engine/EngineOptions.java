package io.roadseg.engine;

/**
 * Backend-neutral options for opening a model.
 *
 * @param threads intra-op threads for CPU backends (≥ 1)
 */
public record EngineOptions(int threads) {
    public EngineOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
    }
}
