package io.roadseg.cli;

import io.roadseg.train.TrainingBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code roadseg train-bundle}: writes the folder a trainer outside the JVM needs — the network's graph, initial
 * weights, the CamVid frames and rendered synthetic samples — for training on a lent GPU with its own PyTorch
 * ({@code scripts/gpu_train.py}; docs/gpu-training.md).
 */
@Command(name = "train-bundle", mixinStandardHelpOptions = true,
        description = {"Write a training bundle for scripts/gpu_train.py (training on a GPU machine without a JDK).",
                "It holds graph.json (the network), init.ckpt, bundle.json, the CamVid frames (JPEG + class ids) and",
                "rendered synthetic samples (image, ids, depth)."},
        footer = {"", "Example:", "  roadseg train-bundle --sim-samples 400 --camvid-pitch 0.5 --contact-trees -o .gpu/bundle",
                "  then on the GPU machine: python3 scripts/gpu_train.py --bundle .gpu/bundle --out $OUT/run.ckpt …"})
final class TrainBundleCommand implements Callable<Integer> {
    @Mixin
    CamvidOptions data;

    @Option(names = "--sim-samples", defaultValue = "1200",
            description = "Synthetic samples to render (default: ${DEFAULT-VALUE}).")
    int simSamples;

    @Option(names = "--sim-stride", defaultValue = "16",
            description = "Take every Nth sample of the synthetic stream, to span more drives (default: ${DEFAULT-VALUE}).")
    int simStride;

    @Option(names = "--channels", paramLabel = "C1,C2,C3,C4", defaultValue = "16,32,96,192",
            description = {"Channel widths of the network to train at 1/2, 1/4, 1/8, 1/16 resolution (default:",
                    "${DEFAULT-VALUE}, the shipped network's); the checkpoint records them and export-model uses them."})
    String channels;

    @Option(names = "--variant", paramLabel = "C1,C2,C3,C4",
            description = {"Also write the network with these channel widths (repeatable), to train side by side on the",
                    "same data: gpu_train.py --variant C1-C2-C3-C4."})
    List<String> variants = new java.util.ArrayList<>();

    @Option(names = "--camvid-pitch", paramLabel = "DEG", defaultValue = "2.0",
            description = {"Downward pitch of the CamVid camera for the real frames' ground-plane depth labels, as",
                    "train --camvid-pitch (default: ${DEFAULT-VALUE}; the shipped recipe: 0.5)."})
    double camvidPitch;

    @Option(names = "--contact-trees",
            description = {"Trees standing right above the ground and reaching the horizon take the ground's depth",
                    "where they stand in the contact labels (camvid/NAME.contact.png), as train --contact-trees."})
    boolean contactTrees;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic drives and initial weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-o", "--out"}, required = true, description = "Folder to write (new or empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (simSamples < 0 || simStride < 1) {
            throw new UsageError("--sim-samples must be >= 0 and --sim-stride >= 1");
        }
        if (!(Math.abs(camvidPitch) < 45)) {
            throw new UsageError("--camvid-pitch " + camvidPitch + ": must be within ±45°");
        }
        Path root = data.root();
        new OutputPaths().input("--camvid", root.toString()).newFolder("--out", out.toString());
        io.roadseg.model.FcnArchitecture architecture = widths("--channels", channels);
        List<io.roadseg.model.FcnArchitecture> others = new java.util.ArrayList<>();
        for (String v : variants) {
            others.add(widths("--variant", v));
        }
        TrainingBundle.Summary s;
        try {
            s = TrainingBundle.write(architecture, others, root, data.splits, simSamples, seed, simStride, seed,
                    new TrainingBundle.GroundLabels(camvidPitch, contactTrees), out, System.err);
        } catch (IOException e) {
            throw UserError.of(e);
        }
        System.err.printf(Locale.ROOT, "wrote %s: %d CamVid frames, %d synthetic samples, %.1f MB%n", out,
                s.camvidFrames(), s.simSamples(), s.bytes() / 1e6);
        return 0;
    }

    private static io.roadseg.model.FcnArchitecture widths(String option, String text) throws UsageError {
        try {
            return io.roadseg.model.FcnArchitecture.defaults().withChannels(text);
        } catch (IllegalArgumentException e) {
            throw new UsageError(option + " " + text + ": " + e.getMessage());
        }
    }
}
