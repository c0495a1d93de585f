package io.roadseg.cli;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InputSize;
import io.roadseg.engine.ModelInfo;
import io.roadseg.model.ModelContract;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The {@code --input-size auto|auto:WxH|model|WxH} option of the commands that open a model. {@code auto} fits the
 * source's aspect at the model's pixel count (its metadata's size), {@code auto:WxH} at the pixel count of WxH (a
 * larger input for thin and far objects, at a proportional cost per frame). Stateless.
 */
final class InputSizeOption {
    private InputSizeOption() {
    }

    /**
     * Opens the model before the source is known — so that a bad model or engine is reported before a camera is
     * touched — at an explicit {@code WxH}, or at the model's own size.
     */
    static InferenceEngine openBeforeSource(String value, String engine, Path model, EngineOptions options,
                                            Consumer<String> log) throws Exception {
        return InferenceEngines.open(engine, model, apply(value, options, 0, 0), log);
    }

    /**
     * Once the source is open: with {@code auto} or {@code auto:WxH} and a fully convolutional model, the engine is
     * reopened at the {@link InputSize#forSource size fitted} to the source's frames when that differs from the one
     * it has.
     *
     * @return the engine to use (the same one, or a new one with the old one closed)
     */
    static InferenceEngine fitToSource(String value, InferenceEngine opened, String engine, Path model,
                                       EngineOptions options, int sourceWidth, int sourceHeight,
                                       Consumer<String> log) throws Exception {
        ModelInfo m = opened.model();
        String stride = m.metadata().get(ModelContract.INPUT_STRIDE);
        if (!value.startsWith("auto") || stride == null || sourceWidth <= 0 || sourceHeight <= 0) {
            return opened;
        }
        InputSize asked = apply(value, options, 0, 0).budget();
        InputSize budget = asked != null ? asked : new InputSize(m.inputWidth(), m.inputHeight());
        InputSize fitted = InputSize.forSource(sourceWidth, sourceHeight, budget, Integer.parseInt(stride.trim()));
        if (fitted.width() == m.inputWidth() && fitted.height() == m.inputHeight()) {
            return opened;
        }
        opened.close();
        return InferenceEngines.open(engine, model, options.withInputSize(fitted), log);
    }

    /**
     * @param value        {@code auto} (fit the source's aspect), {@code auto:WxH} (the same at WxH's pixel count),
     *                     {@code model} (the metadata's size) or {@code WxH}
     * @param sourceWidth  the source's frame width, or 0 when unknown
     * @param sourceHeight the source's frame height, or 0 when unknown
     * @throws UsageError when the value is none of these
     */
    static EngineOptions apply(String value, EngineOptions options, int sourceWidth, int sourceHeight)
            throws UsageError {
        if ("auto".equals(value)) {
            return sourceWidth > 0 && sourceHeight > 0
                    ? options.withSourceSize(new InputSize(sourceWidth, sourceHeight)) : options;
        }
        if ("model".equals(value)) {
            return options;
        }
        boolean fit = value.startsWith("auto:");
        InputSize size;
        try {
            size = InputSize.parse(fit ? value.substring(5) : value, 1);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--input-size " + value + ": expected auto, auto:WIDTHxHEIGHT, model or "
                    + "WIDTHxHEIGHT (e.g. 544x304)");
        }
        String outside = InputSize.outsideLimits(size.width(), size.height());
        if (outside != null) {
            throw new UsageError("--input-size " + value + ": " + outside);
        }
        if (!fit) {
            return options.withInputSize(size);
        }
        EngineOptions budgeted = options.withBudget(size);
        return sourceWidth > 0 && sourceHeight > 0
                ? budgeted.withSourceSize(new InputSize(sourceWidth, sourceHeight)) : budgeted;
    }
}
