package io.roadseg.cli;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxWeightsReader;
import io.roadseg.source.InstallPaths;
import io.roadseg.train.Trainer;
import io.roadseg.train.TrainingCheckpoint;
import io.roadseg.train.WeightAverage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code roadseg train}: trains the multi-decoder FCN with libtorch on CamVid + synthetic drives and writes the
 * ONNX model and its training checkpoint (every {@code --checkpoint-every} steps and at the end, atomically).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the FCN (libtorch; CUDA when present, else the CPU) on CamVid + synthetic drives.",
                "Writes OUT (ONNX) and OUT with .ckpt (weights, BatchNorm statistics, optimiser moments, step):",
                "--resume OUT.ckpt continues that run exactly, with the same settings."})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    CamvidOptions data;

    @Option(names = "--hold-out", defaultValue = "0006R0",
            description = "CamVid sequence never trained on, scored during training (default: ${DEFAULT-VALUE}; "
                    + "'none' trains on everything).")
    String holdOut;

    @Option(names = "--steps", defaultValue = "20000", description = "Optimiser steps of the whole run (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--camvid-batch", defaultValue = "6", description = "CamVid crops per batch (default: ${DEFAULT-VALUE}).")
    int camvidBatch;

    @Option(names = "--sim-batch", defaultValue = "2", description = "Synthetic crops per batch (default: ${DEFAULT-VALUE}).")
    int simBatch;

    @Option(names = "--crop", defaultValue = "320x240", description = "Crop WIDTHxHEIGHT, multiples of 16 (default: ${DEFAULT-VALUE}).")
    String crop;

    @Option(names = "--lr", defaultValue = "0.004", description = "Peak AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0.0001",
            description = {"Decoupled weight decay on convolution weights, per unit learning rate (default:",
                    "${DEFAULT-VALUE}, the shipped recipe's; 0.05 was measured: engines/roadseg.md)."})
    double weightDecay;

    @Option(names = "--warmup", defaultValue = "500", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--scale", defaultValue = "0.5..2.0", description = "Random zoom range MIN..MAX (default: ${DEFAULT-VALUE}).")
    String scale;

    @Option(names = "--no-colour-jitter", description = "No brightness/contrast/gamma/saturation jitter.")
    boolean noJitter;

    @Option(names = "--class-weight-c", defaultValue = "1.10", description = "c of the class weights 1/ln(c + p) (default: ${DEFAULT-VALUE}).")
    double classWeightC;

    @Option(names = "--pseudo-depth-weight", defaultValue = "0.5",
            description = "Weight of the real frames' sky/road depth from geometry (default: ${DEFAULT-VALUE}).")
    double pseudoDepthWeight;

    @Option(names = "--contact-depth-weight", defaultValue = "0",
            description = {"Weight of depth pseudo-labels for the real frames' pavement and the objects standing on",
                    "the ground (the ground's depth where they touch it); 0 = off (default: ${DEFAULT-VALUE})."})
    double contactDepthWeight;

    @Option(names = "--camvid-pitch", paramLabel = "DEG", defaultValue = "2.0",
            description = {"Downward pitch of the CamVid camera for the real frames' ground-plane depth labels",
                    "(default: ${DEFAULT-VALUE}, the synthetic camera's; the training labels put the horizon near",
                    "row 176 of 360, about 0.5°: engines/roadseg.md)."})
    double camvidPitch;

    @Option(names = "--contact-trees",
            description = {"With --contact-depth-weight: also label trees standing right above the ground and reaching",
                    "the horizon with the ground's depth where they stand (a tree run that stays below the",
                    "horizon is taken for a lawn and left unlabelled)."})
    boolean contactTrees;

    @Option(names = "--relu",
            description = {"Set every PReLU slope to 0 and hold it there: a ReLU network, which ONNX Runtime runs about",
                    "1.4x faster on the CPU (it fuses Relu into the convolutions, not PReLU; engines/roadseg.md)."})
    boolean relu;

    @Option(names = "--sim-suburb", paramLabel = "SHARE", defaultValue = "0",
            description = {"Share of the synthetic drives in the suburb layout (houses set back behind lawns, tree",
                    "lines behind them: sim://suburb), 0..1 (default: ${DEFAULT-VALUE}, the town only)."})
    double simSuburb;

    @Option(names = "--cutmix", paramLabel = "P", defaultValue = "0",
            description = {"Probability that a real crop gets a rectangle (up to half its area) of another real crop",
                    "of the batch pasted in, labels with it (CutMix), 0..1 (default: ${DEFAULT-VALUE})."})
    double cutMix;

    @Option(names = "--copy-paste", paramLabel = "P", defaultValue = "0",
            description = {"Probability that a real crop gets the objects (pole, sign, car, pedestrian, bicyclist; each",
                    "class with probability 1/2) of another real crop of the batch pasted onto it, labels with them",
                    "(Simple Copy-Paste), 0..1 (default: ${DEFAULT-VALUE})."})
    double copyPaste;

    @Option(names = "--class-uniform", paramLabel = "P", defaultValue = "0",
            description = {"Probability that a real crop is placed by class-uniform sampling: a class drawn uniformly",
                    "among CamVid's, a frame that holds it, the crop over one of its pixels; so rare classes fill as",
                    "many crops as road does, 0..1 (default: ${DEFAULT-VALUE}, every crop from a uniformly drawn frame)."})
    double classUniform;

    @Option(names = "--lovasz", paramLabel = "W", defaultValue = "0",
            description = {"Weight of the Lovász-softmax loss (a surrogate of 1 - IoU per class, Berman et al. 2018)",
                    "added to the cross-entropy, >= 0 (default: ${DEFAULT-VALUE}, none)."})
    double lovasz;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "libtorch threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--eval-every", defaultValue = "500", description = "Steps between held-out scores (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--checkpoint-every", defaultValue = "250", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--channels", paramLabel = "C1,C2,C3,C4",
            description = {"Channel widths of a new network at 1/2, 1/4, 1/8, 1/16 resolution (default: the shipped"
                    + " network's,", "16,32,96,192). A run from --from or --resume takes its checkpoint's widths."})
    String channels;

    @Option(names = "--resume", paramLabel = "CKPT",
            description = "Continue the run this training checkpoint (.ckpt) was written by, exactly.")
    Path resume;

    @Option(names = "--from", paramLabel = "ONNX",
            description = {"Start a new run from this roadseg model (.onnx) or from a run's checkpoint (.ckpt, which also",
                    "carries the BatchNorm statistics): a warm restart; optimiser and schedule start afresh."})
    Path from;

    @Option(names = "--average", paramLabel = "CKPT",
            description = {"With --from RUN.ckpt: start from the uniform weight average of RUN and CKPT (repeatable;",
                    "parameters and BatchNorm statistics), runs restarted from the same checkpoint, as export-model's",
                    "--average builds it."})
    List<Path> average = new ArrayList<>();

    @Option(names = "--teacher", paramLabel = "ONNX",
            description = {"Distil from this model as well (knowledge distillation: its class posteriors at",
                    "temperature 2, and its depth where a crop has no depth label); a roadseg model of the same",
                    "widths, not logit-adjusted (export it without --logit-adjust), that held out the run's",
                    "--hold-out sequence too. Resuming needs the same file."})
    Path teacher;

    @Option(names = "--distill", paramLabel = "W", defaultValue = "1.0",
            description = "Weight of the distillation terms, with --teacher (default: ${DEFAULT-VALUE}).")
    double distill;

    @Option(names = {"-o", "--out"}, defaultValue = "engines/roadseg-trained.onnx",
            description = "Model to write; its checkpoint goes beside it as .ckpt (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        String[] wh = crop.split("x");
        int w;
        int h;
        try {
            w = Integer.parseInt(wh[0]);
            h = Integer.parseInt(wh[1]);
        } catch (RuntimeException e) {
            throw new UsageError("--crop " + crop + ": expected WIDTHxHEIGHT, e.g. 320x240");
        }
        if (w % 16 != 0 || h % 16 != 0 || w <= 0 || h <= 0 || w > 2048 || h > 2048) {
            throw new UsageError("--crop " + crop + ": width and height must be multiples of 16 from 16 to 2048");
        }
        String[] range = scale.split("\\.\\.");
        double scaleMin;
        double scaleMax;
        try {
            scaleMin = Double.parseDouble(range[0]);
            scaleMax = Double.parseDouble(range[1]);
        } catch (RuntimeException e) {
            throw new UsageError("--scale " + scale + ": expected MIN..MAX, e.g. 0.5..2.0");
        }
        if (!(scaleMin > 0) || !(scaleMax >= scaleMin) || scaleMax > 8) {
            throw new UsageError("--scale " + scale + ": need 0 < MIN <= MAX <= 8");
        }
        if (warmup < 0) {
            throw new UsageError("--warmup " + warmup + ": must be >= 0");
        }
        if (steps < 1 || warmup >= steps || steps > 100_000_000) {
            throw new UsageError("--steps " + steps + ": must be above --warmup " + warmup + " and at most 100000000");
        }
        if (contactTrees && !(contactDepthWeight > 0)) {
            throw new UsageError("--contact-trees needs --contact-depth-weight above 0");
        }
        // each value on its own, named with its rule (NaN fails every comparison, so it is refused too)
        rule(lr > 0 && lr <= 1, "--lr", lr, "a learning rate in (0, 1]");
        rule(weightDecay >= 0 && weightDecay <= 10, "--weight-decay", weightDecay, "must be 0 to 10");
        rule(threads >= 1 && threads <= 256, "--threads", threads, "must be 1 to 256");
        rule(evalEvery >= 1, "--eval-every", evalEvery, "must be >= 1");
        rule(checkpointEvery >= 1, "--checkpoint-every", checkpointEvery, "must be >= 1");
        rule(contactDepthWeight >= 0 && contactDepthWeight <= 100, "--contact-depth-weight", contactDepthWeight,
                "must be 0 to 100");
        rule(camvidBatch >= 0 && camvidBatch <= 256, "--camvid-batch", camvidBatch, "must be 0 to 256");
        rule(simBatch >= 0 && simBatch <= 256, "--sim-batch", simBatch, "must be 0 to 256");
        rule(camvidBatch + simBatch >= 1, "--camvid-batch and --sim-batch", camvidBatch + "+" + simBatch,
                "at least one crop a step");
        rule(classWeightC > 1 && classWeightC <= 100, "--class-weight-c", classWeightC, "must be above 1 (1.02-1.10 "
                + "as ENet's)");
        rule(Math.abs(camvidPitch) < 45, "--camvid-pitch", camvidPitch, "must be within ±45°");
        rule(simSuburb >= 0 && simSuburb <= 1, "--sim-suburb", simSuburb, "must be 0 to 1");
        rule(cutMix >= 0 && cutMix <= 1, "--cutmix", cutMix, "must be 0 to 1");
        rule(copyPaste >= 0 && copyPaste <= 1, "--copy-paste", copyPaste, "must be 0 to 1");
        rule(classUniform >= 0 && classUniform <= 1, "--class-uniform", classUniform, "must be 0 to 1");
        rule(lovasz >= 0 && lovasz <= 100, "--lovasz", lovasz, "must be 0 to 100");
        FcnArchitecture architecture;
        try {
            architecture = FcnArchitecture.withChannelsOrDefaults(channels);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--channels: " + e.getMessage());
        }
        if (resume != null && from != null) {
            throw new UsageError("--resume continues a run, --from starts one: give one of them");
        }
        if (!average.isEmpty() && (from == null || !from.getFileName().toString().endsWith(".ckpt"))) {
            throw new UsageError("--average goes with --from RUN.ckpt (a run's checkpoint)");
        }
        if (teacher != null && !(distill > 0 && Double.isFinite(distill))) {
            throw new UsageError("--distill " + distill + ": must be > 0");
        }
        if (teacher == null && distill != 1) {
            throw new UsageError("--distill " + distill + ": weighs a --teacher's posteriors; give one");
        }
        new OutputPaths().output("--out", out.toString())
                .output("--out (its checkpoint)", Trainer.checkpointFor(out).toString());
        if (out.toAbsolutePath().normalize().equals(InstallPaths.resolve(Path.of(RunCommand.DEFAULT_MODEL))
                .toAbsolutePath().normalize()) && resume == null && from == null) {
            throw new UsageError("--out " + out + ": is the shipped model; train into another file and copy it over "
                    + "once it is measured");
        }
        FcnWeights taught = null;
        if (teacher != null) {
            if (!Files.isRegularFile(teacher)) {
                throw new UserError("--teacher " + teacher + ": file not found");
            }
            try {
                java.util.Map<String, String> metadata = OnnxWeightsReader.readMetadata(teacher);
                if (!metadata.containsKey(ModelContract.FORMAT)) {
                    throw new UserError("--teacher " + teacher + ": not a roadseg model (no roadseg metadata)");
                }
                if (metadata.containsKey(ModelContract.LOGIT_ADJUSTMENT)) {
                    throw new UserError("--teacher " + teacher + ": is logit-adjusted ("
                            + metadata.get(ModelContract.LOGIT_ADJUSTMENT) + "); distil from the model exported "
                            + "without --logit-adjust, and adjust the student when exporting it");
                }
                String teacherHeldOut = metadata.getOrDefault(ModelContract.HELD_OUT, "not recorded");
                if (!"none".equals(holdOut) && !teacherHeldOut.startsWith("CamVid sequence " + holdOut)) {
                    throw new UserError("--teacher " + teacher + ": did not hold out sequence " + holdOut + " (its "
                            + ModelContract.HELD_OUT + ": " + teacherHeldOut + "), which this run holds out: the "
                            + "student would learn it through the teacher; use a teacher trained without it, or "
                            + "--hold-out none");
                }
                taught = OnnxWeightsReader.read(teacher, ModelContract.architecture(metadata));
            } catch (IOException | IllegalArgumentException e) {
                throw new UserError("--teacher: " + e.getMessage().replaceFirst("^checkpoint ", ""));
            }
        }
        Path root = data.root();
        String heldOut = "none".equals(holdOut) ? "" : holdOut;
        if (!heldOut.isEmpty()) {
            java.util.TreeSet<String> sequences = new java.util.TreeSet<>();
            for (String split : data.splits) {
                try (java.util.stream.Stream<Path> in = Files.list(root.resolve(split))) {
                    in.map(p -> p.getFileName().toString()).filter(n -> n.contains("_"))
                            .forEach(n -> sequences.add(n.substring(0, n.indexOf('_'))));
                }
            }
            if (!sequences.contains(heldOut)) {
                throw new UsageError("--hold-out " + holdOut + ": no frame of --splits " + String.join(",", data.splits)
                        + " is from it (their sequences: " + String.join(", ", sequences) + "; or none)");
            }
        }
        Trainer.Settings settings = new Trainer.Settings(root, data.splits, heldOut, steps, camvidBatch, simBatch, w, h,
                lr, weightDecay, warmup, scaleMin, scaleMax, !noJitter, classWeightC, pseudoDepthWeight,
                contactDepthWeight, camvidPitch, simSuburb, cutMix, lovasz, copyPaste, classUniform, contactTrees, relu,
                seed, threads, evalEvery, checkpointEvery);
        TrainingCheckpoint checkpoint = null;
        try {
            FcnWeights start = null;
            Trainer trainer = new Trainer(settings, System.err);
            if (resume != null) {
                checkpoint = TrainingCheckpoint.read(resume);
                architecture = checkpointWidths(checkpoint, "--resume " + resume, architecture);
            } else if (from != null && from.getFileName().toString().endsWith(".ckpt") && !average.isEmpty()) {
                List<Path> files = new ArrayList<>(List.of(from));
                files.addAll(average);
                WeightAverage.Averaged averaged;
                try {
                    averaged = WeightAverage.read(files);
                } catch (IOException | IllegalArgumentException e) {
                    throw new UserError("--average: " + e.getMessage());
                }
                architecture = checkpointWidths(averaged.mean(), "--from " + from, architecture);
                trainer.warmStart(averaged.mean(), "the weight average of " + averaged.namesText());
            } else if (from != null && from.getFileName().toString().endsWith(".ckpt")) {
                TrainingCheckpoint run = TrainingCheckpoint.read(from);
                architecture = checkpointWidths(run, "--from " + from, architecture);
                trainer.warmStart(run, from.getFileName().toString());
            } else if (from != null) {
                FcnArchitecture model = ModelContract.architecture(OnnxWeightsReader.readMetadata(from));
                architecture = sameWidths(model, "--from " + from, architecture);
                start = OnnxWeightsReader.read(from, model);
            }
            if (start == null) {
                start = FcnWeights.random(architecture, seed);
            }
            if (taught != null) {
                trainer.distillFrom(taught, teacher.getFileName().toString(),
                        io.roadseg.engine.trt.PlanCacheKey.sha256(Files.readAllBytes(teacher)), distill);
            }
            Trainer.Result r = trainer.train(start, checkpoint, out);
            if (!Double.isNaN(r.firstSegLoss())) {
                System.err.printf(java.util.Locale.ROOT, "losses: segmentation %.4f → %.4f, depth %.4f → %.4f;"
                                + " held-out mIoU %.2f %%%n", r.firstSegLoss(), r.lastSegLoss(), r.firstDepthLoss(),
                        r.lastDepthLoss(), 100 * r.heldOutMeanIou());
            }
        } catch (IOException e) {
            throw UserError.of(e);
        }
        System.err.println("wrote " + out + " and " + Trainer.checkpointFor(out));
        return 0;
    }

    private FcnArchitecture checkpointWidths(TrainingCheckpoint run, String what, FcnArchitecture asked)
            throws UserError, UsageError {
        FcnArchitecture held;
        try {
            held = run.architecture();
        } catch (IllegalArgumentException e) {
            throw new UserError(what + ": " + e.getMessage());
        }
        return sameWidths(held, what, asked);
    }

    /** The network of a checkpoint or model, where --channels is not given or names the same widths. */
    /** A usage error naming the option, its value and its rule, unless {@code ok}. */
    private static void rule(boolean ok, String option, Object value, String what) throws UsageError {
        if (!ok) {
            throw new UsageError(option + " " + value + ": " + what);
        }
    }

    private FcnArchitecture sameWidths(FcnArchitecture held, String what, FcnArchitecture asked) throws UsageError {
        if (channels != null && !java.util.Arrays.equals(held.channels(), asked.channels())) {
            throw new UsageError(what + ": holds a network of channel widths " + held.channelsText()
                    + ", not --channels " + asked.channelsText() + "; leave --channels out to continue it");
        }
        return held;
    }
}
