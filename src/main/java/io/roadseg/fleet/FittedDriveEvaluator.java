package io.roadseg.fleet;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InputSize;
import io.roadseg.engine.ModelInfo;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import io.roadseg.train.LabelledFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Evaluates drives each at the input size {@code run} gives its camera: the drive's own aspect at the pixel count of
 * the options' budget (the model's own size when none), so a fleet's 16:9 drives are scored as the car sees them, not
 * squashed into the model's 4:3; with a fixed input size in the options, every drive at that size. One engine and
 * {@link DriveEvaluator} per frame size met, opened on first need and kept for the later drives of that size (a
 * fleet's drives come from few kinds of camera), all closed together.
 *
 * <p>With a reference model, each drive is scored against its output instead of the drive's truth (agreement,
 * {@link DriveEvaluator}): the reference opened beside each engine at that engine's input size.
 *
 * <p>A drive that cannot be read is a failed {@link DriveResult}, as with {@link DriveEvaluator}; a model or engine
 * that cannot be opened is an exception, the same for every drive.
 *
 * <p>Threading: one thread.
 */
public final class FittedDriveEvaluator implements AutoCloseable {
    private final String engine;
    private final Path model;
    private final Path reference;
    private final EngineOptions options;
    private final SourceOptions sources;
    private final Consumer<String> log;
    private final Map<InputSize, DriveEvaluator> bySourceSize = new LinkedHashMap<>();
    /** Owned: each evaluator with the engine it runs on, in the order opened. */
    private final List<DriveEvaluator> evaluators = new ArrayList<>();
    private final List<InferenceEngine> engines = new ArrayList<>();
    private ModelInfo last;

    /**
     * @param engine  the backend ({@code cpu}, {@code tensorrt}, {@code auto})
     * @param options threads, and a fixed {@code inputSize} or a {@code budget} (both null: the model's own pixel
     *                count, each drive at its aspect)
     * @param log     the engines' one-line descriptions when opened
     */
    public FittedDriveEvaluator(String engine, Path model, EngineOptions options, Consumer<String> log) {
        this(engine, model, null, options, SourceOptions.defaults(), log);
    }

    /**
     * @param reference the model whose output every drive is scored against (null: the drives' truth)
     * @param sources   how each drive is opened (an MCAP drive's camera topic)
     * @see #FittedDriveEvaluator(String, Path, EngineOptions, Consumer)
     */
    public FittedDriveEvaluator(String engine, Path model, Path reference, EngineOptions options,
                                SourceOptions sources, Consumer<String> log) {
        this.engine = engine;
        this.model = model;
        this.reference = reference;
        this.options = options;
        this.sources = sources;
        this.log = log;
    }

    /**
     * @return the drive's score at its fitted size; a drive that cannot be read or scored is a failed result naming
     *         why
     * @throws Exception when the model cannot be opened at that size
     */
    public DriveResult evaluate(String drive, long limit) throws Exception {
        InputSize source = options.inputSize() == null ? frameSize(drive, sources) : null;
        return evaluatorFor(source).evaluate(drive, limit);
    }

    /** @return the model as opened for the last drive (or at its own size, when no drive was evaluated yet) */
    public ModelInfo model() throws Exception {
        if (last == null) {
            evaluatorFor(null);
        }
        return last;
    }

    private DriveEvaluator evaluatorFor(InputSize source) throws Exception {
        DriveEvaluator e = bySourceSize.get(source);
        if (e == null) {
            List<String> said = new ArrayList<>();
            InferenceEngine opened = InferenceEngines.open(engine, model, options.withSourceSize(source), said::add);
            ModelInfo m = opened.model();
            for (DriveEvaluator other : evaluators) {
                if (other.model().inputWidth() == m.inputWidth() && other.model().inputHeight() == m.inputHeight()) {
                    e = other; // another frame size fitted to the same input: one engine for both
                    break;
                }
            }
            if (e != null) {
                opened.close();
            } else {
                engines.add(opened);
                InferenceEngine against = null;
                if (reference != null) {
                    // the reference at the model's own input size for these frames, whatever its native one
                    against = InferenceEngines.open(engine, reference, options.withSourceSize(null)
                            .withBudget(null).withInputSize(new InputSize(m.inputWidth(), m.inputHeight())), said::add);
                    engines.add(against);
                }
                e = new DriveEvaluator(opened, against, sources);
                evaluators.add(e);
                said.forEach(log);
            }
            bySourceSize.put(source, e);
        }
        last = e.model();
        return e;
    }

    /**
     * The frame size of a drive (a CamVid-style folder's first image, else the source's), or null when it cannot
     * be read — the evaluation then says why.
     */
    static InputSize frameSize(String drive, SourceOptions sources) {
        try {
            Path folder = Path.of(drive);
            if (!drive.contains("://") && Files.isDirectory(folder)
                    && Files.isDirectory(folder.resolveSibling(folder.getFileName() + "annot"))) {
                LabelledFolder images = LabelledFolder.camvid(folder.getParent(), folder.getFileName().toString());
                if (images.size() == 0) {
                    return null;
                }
                try (LabelledFolder.Sample s = images.read(0)) {
                    return new InputSize(s.image().cols(), s.image().rows());
                }
            }
            try (FrameSource src = FrameSources.open(drive, sources)) {
                return new InputSize(src.info().width(), src.info().height());
            }
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() {
        evaluators.forEach(DriveEvaluator::close);
        engines.forEach(InferenceEngine::close);
        evaluators.clear();
        engines.clear();
        bySourceSize.clear();
    }
}
