package io.roadseg.engine;

/**
 * Backend-neutral options for opening a model.
 *
 * @param threads   intra-op threads for CPU backends (≥ 1)
 * @param inputSize  the input size to run a fully convolutional model at, or null to let {@code sourceSize}
 *                   decide; a model with a fixed input size refuses any other
 * @param sourceSize the camera's frame size: a fully convolutional model then runs at
 *                   {@link InputSize#forSource its aspect}; null (and no {@code inputSize}) for the model's own size
 * @param budget     the size whose pixel count an input fitted to {@code sourceSize} keeps, and the size run at
 *                   when the source is unknown; null for the model's own size (its metadata's)
 * @param flipAverage each frame run twice, as it is and mirrored, and the outputs averaged
 *                    ({@link FlipAveragingEngine}: offline quality at twice the inference time)
 */
public record EngineOptions(int threads, InputSize inputSize, InputSize sourceSize, InputSize budget,
                            boolean flipAverage) {
    public EngineOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
    }

    /** @param threads intra-op threads; the model's own input size */
    public EngineOptions(int threads) {
        this(threads, null, null, null, false);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
    }

    /** @return a copy running at {@code size} (null: the model's own, or fitted to the source) */
    public EngineOptions withInputSize(InputSize size) {
        return new EngineOptions(threads, size, sourceSize, budget, flipAverage);
    }

    /** @return a copy that fits the input to frames of this size (null: do not) */
    public EngineOptions withSourceSize(InputSize size) {
        return new EngineOptions(threads, inputSize, size, budget, flipAverage);
    }

    /** @return a copy whose fitted input keeps the pixel count of {@code size} (null: the model's own size) */
    public EngineOptions withBudget(InputSize size) {
        return new EngineOptions(threads, inputSize, sourceSize, size, flipAverage);
    }

    /** @return a copy that runs each frame as it is and mirrored and averages the outputs, or not */
    public EngineOptions withFlipAverage(boolean on) {
        return new EngineOptions(threads, inputSize, sourceSize, budget, on);
    }
}
