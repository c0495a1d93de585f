package io.roadseg.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * Backend selection by name. {@code auto} takes the highest-ranked provider that can run here and reports its
 * choice and the reasons others were passed over through the given log line consumer.
 *
 * <p>Threading: stateless; safe from any thread.
 */
public final class InferenceEngines {
    public static final String AUTO = "auto";

    private InferenceEngines() {
    }

    /**
     * @return null when {@code name} is {@code auto} or a backend on the class path, else why not (one line naming the
     *         ones there are): a usage error to give before anything is opened
     */
    public static String unknownEngine(String name) {
        StringJoiner known = new StringJoiner(", ");
        for (EngineProvider p : providers()) {
            if (p.name().equals(name)) {
                return null;
            }
            known.add(p.name());
        }
        return AUTO.equals(name) ? null : "--engine " + name + ": unknown; available: " + AUTO + ", " + known;
    }

    /** All providers on the class path, best rank first. */
    public static List<EngineProvider> providers() {
        List<EngineProvider> all = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt(EngineProvider::rank).reversed());
        return all;
    }

    /**
     * Opens {@code model} with the named backend, or with {@code auto} the best one that can run here. Under
     * {@code auto} a backend that is present but fails to open the model (a TensorRT parser, build or out-of-memory
     * error, say) is passed over with its reason logged, and the next one is tried: a GPU problem never turns a
     * working CPU run into a failure. A backend named explicitly fails loudly.
     *
     * @throws InferenceException the named backend's failure; under {@code auto}, the last backend's failure when
     *                            none opens (with the others' reasons)
     */
    public static InferenceEngine open(String name, Path model, EngineOptions options, Consumer<String> log)
            throws InferenceException {
        return open(name, model, options, log, providers());
    }

    /** As {@link #open(String, Path, EngineOptions, Consumer)}, choosing among the given providers (best first). */
    static InferenceEngine open(String name, Path model, EngineOptions options, Consumer<String> log,
                                List<EngineProvider> providers) throws InferenceException {
        if (!Files.isRegularFile(model)) {
            throw new InferenceException("model " + model + ": " + (Files.isDirectory(model)
                    ? "is a folder, expected an .onnx file" : "file not found"));
        }
        if (AUTO.equals(name)) {
            StringJoiner passed = new StringJoiner("; ");
            InferenceException last = null;
            for (EngineProvider p : providers) {
                String reason = p.unavailableReason();
                if (reason != null) {
                    passed.add(p.name() + ": " + reason);
                    continue;
                }
                InferenceEngine engine;
                try {
                    engine = flipAveraged(p.open(model, options), options);
                } catch (InferenceException | RuntimeException | LinkageError e) {
                    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    log.accept("engine auto: " + p.name() + " failed to open " + model + " (" + why
                            + "); trying the next backend");
                    passed.add(p.name() + ": failed to open (" + why + ")");
                    last = e instanceof InferenceException ie ? ie
                            : new InferenceException("engine " + p.name() + ": " + why, e);
                    continue;
                }
                log.accept("engine auto: " + engine.describe()
                        + (passed.length() > 0 ? " (passed over: " + passed + ")" : ""));
                return engine;
            }
            if (last != null) {
                throw last;
            }
            throw new InferenceException("engine auto: no backend can run here (" + passed + ")");
        }
        StringJoiner known = new StringJoiner(", ");
        for (EngineProvider p : providers) {
            if (p.name().equals(name)) {
                String reason = p.unavailableReason();
                if (reason != null) {
                    throw new InferenceException("engine " + name + " cannot run here: " + reason);
                }
                InferenceEngine engine = flipAveraged(p.open(model, options), options);
                log.accept("engine " + name + ": " + engine.describe());
                return engine;
            }
            known.add(p.name());
        }
        throw new InferenceException("engine '" + name + "' is unknown; available: " + AUTO + ", " + known);
    }

    /** The engine as opened, or wrapped in a {@link FlipAveragingEngine} when the options ask for flip averaging. */
    private static InferenceEngine flipAveraged(InferenceEngine engine, EngineOptions options)
            throws InferenceException {
        return options.flipAverage() ? new FlipAveragingEngine(engine) : engine;
    }
}
