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

    /** All providers on the class path, best rank first. */
    public static List<EngineProvider> providers() {
        List<EngineProvider> all = new ArrayList<>();
        ServiceLoader.load(EngineProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt(EngineProvider::rank).reversed());
        return all;
    }

    public static InferenceEngine open(String name, Path model, EngineOptions options, Consumer<String> log)
            throws InferenceException {
        if (!Files.isRegularFile(model)) {
            throw new InferenceException("model " + model + ": file not found");
        }
        List<EngineProvider> providers = providers();
        if (AUTO.equals(name)) {
            StringJoiner passed = new StringJoiner("; ");
            for (EngineProvider p : providers) {
                String reason = p.unavailableReason();
                if (reason == null) {
                    InferenceEngine engine = p.open(model, options);
                    log.accept("engine auto: " + engine.describe()
                            + (passed.length() > 0 ? " (passed over: " + passed + ")" : ""));
                    return engine;
                }
                passed.add(p.name() + ": " + reason);
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
                InferenceEngine engine = p.open(model, options);
                log.accept("engine " + name + ": " + engine.describe());
                return engine;
            }
            known.add(p.name());
        }
        throw new InferenceException("engine '" + name + "' is unknown; available: " + AUTO + ", " + known);
    }
}
