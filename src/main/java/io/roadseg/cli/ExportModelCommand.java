package io.roadseg.cli;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.LogitAdjustment;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.model.OnnxWeightsReader;
import io.roadseg.source.InstallPaths;
import io.roadseg.train.Trainer;
import io.roadseg.train.TrainingCheckpoint;
import io.roadseg.train.WeightAverage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code roadseg export-model}: writes the project's FCN as ONNX with the project's own exporter: seeded random
 * weights (deterministic on every machine), or a trained model again with a logit adjustment baked into its
 * segmentation head ({@code --from MODEL --logit-adjust TAU}, {@link LogitAdjustment}).
 */
@Command(name = "export-model", mixinStandardHelpOptions = true,
        description = {"Write the multi-decoder FCN as an ONNX model with roadseg metadata.",
                "Seeded random weights, or with --from a trained model or checkpoint again (--average: the weight",
                "average of several runs), its segmentation head's logits adjusted by --logit-adjust."},
        footer = {"", "Examples:", "  roadseg export-model --seed 3 -o out/random.onnx",
                "  roadseg export-model --from engines/training/roadseg-v2.onnx --logit-adjust 0.5 \\",
                "      -o out/adjusted.onnx",
                "  roadseg export-model --from out/gpu/all.ckpt --logit-adjust 0.5 -o out/gpu-all.onnx",
                "  roadseg export-model --from out/run-a.ckpt --average out/run-b.ckpt --logit-adjust 0.5 \\",
                "      -o out/average.onnx",
                "  roadseg export-model --from out/run-a.ckpt --average out/run-b.ckpt -o out/average.ckpt"})
final class ExportModelCommand implements Callable<Integer> {
    @Option(names = {"-o", "--out"}, required = true,
            description = {"Destination, written atomically. Required: random weights must never replace the shipped",
                    "trained model by default. A .ckpt with --average: the average as a training checkpoint (no",
                    "optimiser state), to start runs from (train --from, scripts/gpu_train.py --init)."})
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Weight seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "480x352",
            description = "Input WIDTHxHEIGHT, multiples of 16 (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--channels", paramLabel = "C1,C2,C3,C4",
            description = "Channel widths at 1/2, 1/4, 1/8, 1/16 resolution, for random weights (default: 16,32,96,192).")
    String channels;

    @Option(names = "--from", paramLabel = "MODEL",
            description = {"A run's training checkpoint (.ckpt: BatchNorm folded, metadata from its settings; how a",
                    "run trained elsewhere, e.g. scripts/gpu_train.py, becomes a model), or a trained model (.onnx)",
                    "to write again with --logit-adjust."})
    Path from;

    @Option(names = "--average", paramLabel = "CKPT",
            description = {"With --from RUN.ckpt: export the uniform average of its weights and CKPT's (repeatable;",
                    "parameters and BatchNorm statistics), runs restarted from the same checkpoint on the same data",
                    "(a model soup: one network of the same size and speed)."})
    List<Path> average = new ArrayList<>();

    @Option(names = "--across-starts",
            description = {"With --average: the runs may have been restarted from different checkpoints of one",
                    "lineage (a second round's runs from the first round's average, with the first round's runs):",
                    "the same-start check is lifted, every other shared setting still checked, each start named",
                    "in the metadata. You vouch that they share a basin; runs from unrelated starts average to no",
                    "network at all."})
    boolean acrossStarts;

    @Option(names = "--logit-adjust", paramLabel = "TAU",
            description = {"With --from: subtract TAU·ln(w_k) from class k's logit (TAU in [0, 1]; w = the class",
                    "weights of its training loss, from its metadata or --class-weights): undoes that share of the",
                    "loss's class weighting, which makes rare classes over-predicted."})
    Double tau;

    @Option(names = "--temperature", paramLabel = "T",
            description = {"With --from: record T as the softmax temperature that calibrates the model's confidence",
                    "(roadseg.confidence_temperature; 'roadseg eval --camvid … --fit-temperature' finds it on a",
                    "sequence the model never saw). The weights are written unchanged."})
    Double temperature;

    @Option(names = "--auto-contrast", paramLabel = "P,G",
            description = {"With --from: run the model with per-frame contrast normalisation (roadseg.auto_contrast):",
                    "each frame stretched so that its P and 1-P quantiles span 0-255, gain at most G (e.g. 0.005,3;",
                    "'none' removes it). The weights are written unchanged."})
    String autoContrast;

    @Option(names = "--class-weights", paramLabel = "W1,…,WK",
            description = "The training loss's class weights, for models whose metadata lacks them.")
    String classWeights;

    @Override
    public Integer call() throws Exception {
        if (out.toString().equals("-")) {
            throw new UsageError("-o -: a model is written to a file (e.g. -o out/model.onnx)");
        }
        if (from == null) {
            new OutputPaths().output("--out", out.toString()); // random weights: the fine path checks inputs too
        }
        if (checkpointOut() && (average.isEmpty() || tau != null || temperature != null || autoContrast != null)) {
            throw new UsageError("-o " + out + ": a .ckpt is written only for a weight average (--from RUN.ckpt "
                    + "--average CKPT …), without --logit-adjust or --temperature; a model is written as .onnx");
        }
        if (acrossStarts && average.isEmpty()) {
            throw new UsageError("--across-starts goes with --from RUN.ckpt --average CKPT …");
        }
        if (from != null || tau != null || temperature != null || autoContrast != null || classWeights != null
                || !average.isEmpty()) {
            if (channels != null) {
                throw new UsageError("--channels is for random weights; a trained model or checkpoint has its own");
            }
            return fromTrained();
        }
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        int w;
        int h;
        try {
            w = Integer.parseInt(wh[0]);
            h = Integer.parseInt(wh[1]);
        } catch (RuntimeException e) {
            throw new UsageError("--size " + size + ": expected WIDTHxHEIGHT, e.g. 480x352");
        }
        String outside = io.roadseg.engine.InputSize.outsideLimits(w, h);
        if (outside != null) {
            throw new UsageError("--size " + size + ": " + outside);
        }
        FcnArchitecture arch;
        try {
            arch = FcnArchitecture.defaults().withInputSize(h, w);
            if (channels != null) {
                arch = arch.withChannels(channels);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageError((channels != null && e.getMessage().startsWith("channel") ? "--channels "
                    + channels : "--size " + size) + ": " + e.getMessage());
        }
        FcnWeights weights = FcnWeights.random(arch, seed);
        OnnxModelWriter.write(weights, ModelContract.defaultMetadata(arch, "random (seed " + seed
                + "), untrained"), out);
        System.err.printf(Locale.ROOT, "wrote %s: %s, %,d parameters, %.2f GMAC per frame%n", out, arch,
                arch.parameterCount(), arch.multiplyAccumulates() / 1e9);
        return 0;
    }

    /** @return {@code --auto-contrast P,G} as the metadata writes it, or a usage error naming the value */
    private static String contrastSetting(String text) throws UsageError {
        String[] parts = text.split(",");
        try {
            if (parts.length == 2) {
                double p = Double.parseDouble(parts[0].trim());
                double g = Double.parseDouble(parts[1].trim());
                if (p > 0 && p < 0.2 && g >= 1 && g <= 16) {
                    return String.format(Locale.ROOT, "%s,%s", parts[0].trim(), parts[1].trim());
                }
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new UsageError("--auto-contrast " + text + ": expected P,G with P in (0, 0.2) and G in [1, 16] "
                + "(e.g. 0.005,3), or none");
    }

    /** {@code --from RUN.ckpt --average …}: the runs read and averaged, or one line naming the run that cannot be. */
    private WeightAverage.Averaged averaged(Path first) throws UserError {
        List<Path> files = new ArrayList<>(List.of(first));
        for (Path p : average) {
            files.add(InstallPaths.resolve(p));
        }
        try {
            return WeightAverage.read(files, acrossStarts);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new UserError("--average: " + e.getMessage() + (acrossStarts || !e.getMessage().contains(
                    "has warm_start") ? "" : " (--across-starts for a later round's runs of one lineage)"));
        }
    }

    /** @return whether {@code -o} names a training checkpoint (.ckpt) rather than a model */
    private boolean checkpointOut() {
        return out.getFileName() != null && out.getFileName().toString().endsWith(".ckpt");
    }

    /** {@code --from}: a run's checkpoint exported, or a model written again; either with a logit adjustment. */
    private Integer fromTrained() throws Exception {
        if (from == null) {
            throw new UsageError("--logit-adjust, --temperature, --auto-contrast, --class-weights and --average go with "
                    + "--from MODEL");
        }
        if (temperature != null && !(temperature > 0.05 && temperature < 20)) {
            throw new UsageError("--temperature " + temperature + ": must be in (0.05, 20)");
        }
        String contrast = autoContrast == null || autoContrast.equals("none") ? null : contrastSetting(autoContrast);
        if (tau != null && !(tau >= 0 && tau <= 1)) {
            throw new UsageError("--logit-adjust " + tau + ": must be in [0, 1]");
        }
        Path model = InstallPaths.resolve(from);
        OutputPaths paths = new OutputPaths().input(model.toString());
        for (Path p : average) {
            paths.input(InstallPaths.resolve(p).toString());
        }
        paths.output("--out", out.toString());
        if (!java.nio.file.Files.isRegularFile(model)) {
            throw new UserError("model " + model + ": file not found");
        }
        boolean checkpoint = model.getFileName().toString().endsWith(".ckpt");
        if (!average.isEmpty() && !checkpoint) {
            throw new UsageError("--average goes with --from RUN.ckpt (a run's checkpoint), not " + from);
        }
        if (!checkpoint && tau == null && temperature == null && autoContrast == null) {
            throw new UsageError("--from " + from + ": a model is written again only with --logit-adjust TAU, "
                    + "--temperature T or --auto-contrast P,G (a run's .ckpt is exported as it is)");
        }
        if (checkpointOut()) { // only with --average (checked in call()): the average as a start for more runs
            WeightAverage.Averaged averaged = averaged(model);
            averaged.start().write(out);
            System.err.printf(Locale.ROOT, "wrote %s: the weight average of %d runs as a training checkpoint, no "
                    + "optimiser state (%s)%n", out, averaged.runs().size(), averaged.namesText());
            return 0;
        }
        FcnWeights weights;
        java.util.Map<String, String> metadata;
        try {
            if (checkpoint && !average.isEmpty()) {
                WeightAverage.Averaged averaged = averaged(model);
                weights = averaged.mean().weights(averaged.mean().architecture());
                metadata = new java.util.LinkedHashMap<>(averaged.modelMetadata());
            } else if (checkpoint) {
                TrainingCheckpoint run = TrainingCheckpoint.read(model);
                try {
                    weights = run.weights(run.architecture());
                    metadata = new java.util.LinkedHashMap<>(Trainer.modelMetadata(run));
                } catch (java.io.IOException | IllegalArgumentException e) {
                    throw new UserError("model " + model + ": " + e.getMessage());
                }
            } else {
                OnnxWeightsReader.Model m = OnnxWeightsReader.readModel(model,
                        ModelContract.architecture(OnnxWeightsReader.readMetadata(model)));
                weights = m.weights();
                metadata = new java.util.LinkedHashMap<>(m.metadata());
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new UserError(e.getMessage().replaceFirst("^(training )?checkpoint ", "model "));
        }
        if (temperature != null) {
            metadata.put(ModelContract.CONFIDENCE_TEMPERATURE, String.format(Locale.ROOT, "%.3f", temperature));
        }
        if (autoContrast != null) {
            if (contrast == null) {
                metadata.remove(ModelContract.AUTO_CONTRAST);
            } else {
                metadata.put(ModelContract.AUTO_CONTRAST, contrast);
            }
        }
        if (tau == null) {
            OnnxModelWriter.write(weights, metadata, out);
            System.err.printf(Locale.ROOT, "wrote %s from %s (%s)%s%n", out, !checkpoint ? "the model " + model
                    : average.isEmpty() ? "the run's checkpoint " + model
                    : "the weight average of " + (1 + average.size()) + " runs",
                    metadata.get(ModelContract.WEIGHTS), (temperature == null ? ""
                    : String.format(Locale.ROOT, ", confidence temperature %.3f", temperature))
                    + (autoContrast == null ? "" : ", contrast normalisation " + (contrast == null ? "none" : contrast)));
            return 0;
        }
        if (metadata.containsKey(ModelContract.LOGIT_ADJUSTMENT)) {
            throw new UserError("model " + model + ": already logit-adjusted ("
                    + metadata.get(ModelContract.LOGIT_ADJUSTMENT) + "); adjust the unadjusted model");
        }
        String text = classWeights != null ? classWeights : metadata.get(ModelContract.CLASS_WEIGHTS);
        if (text == null || text.isEmpty()) {
            throw new UserError("model " + model + ": its metadata does not record the class weights it was trained "
                    + "with (" + ModelContract.CLASS_WEIGHTS + "); give them with --class-weights");
        }
        float[] w;
        FcnWeights adjusted;
        try {
            w = LogitAdjustment.parseWeights(text);
            adjusted = LogitAdjustment.apply(weights, w, tau);
        } catch (IllegalArgumentException e) {
            throw new UsageError((classWeights != null ? "--class-weights: " : "model " + model + ": ")
                    + e.getMessage());
        }
        metadata.put(ModelContract.CLASS_WEIGHTS, LogitAdjustment.formatWeights(w));
        metadata.put(ModelContract.LOGIT_ADJUSTMENT, LogitAdjustment.describe(tau, w));
        metadata.put(ModelContract.WEIGHTS, metadata.getOrDefault(ModelContract.WEIGHTS, "unknown")
                + String.format(Locale.ROOT, ", logit-adjusted (tau %.2f)", tau));
        OnnxModelWriter.write(adjusted, metadata, out);
        System.err.printf(Locale.ROOT, "wrote %s: %s with the segmentation logits adjusted (%s)%n", out,
                average.isEmpty() ? model : "the weight average of " + (1 + average.size()) + " runs",
                LogitAdjustment.describe(tau, w));
        return 0;
    }
}
