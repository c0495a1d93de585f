package io.roadseg.cli;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.OnnxWeightsReader;
import io.roadseg.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code roadseg train}: trains the multi-decoder FCN with libtorch on CamVid + synthetic drives and writes the
 * ONNX model (every 200 steps and at the end, atomically).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the FCN (libtorch, CPU) on CamVid train + synthetic drives; write the ONNX model.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--camvid", defaultValue = "../shared/data/camvid", description = "CamVid root (default: ${DEFAULT-VALUE}).")
    Path camvid;

    @Option(names = "--steps", defaultValue = "2000", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--camvid-batch", defaultValue = "6", description = "CamVid crops per batch (default: ${DEFAULT-VALUE}).")
    int camvidBatch;

    @Option(names = "--sim-batch", defaultValue = "2", description = "Synthetic crops per batch (default: ${DEFAULT-VALUE}).")
    int simBatch;

    @Option(names = "--crop", defaultValue = "240x176", description = "Crop WIDTHxHEIGHT, multiples of 16 (default: ${DEFAULT-VALUE}).")
    String crop;

    @Option(names = "--lr", defaultValue = "0.002", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-augment", description = "Crops and flips only: no random scale or colour jitter.")
    boolean noAugment;

    @Option(names = "--threads", defaultValue = "2", description = "libtorch threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"--from", "--resume"}, paramLabel = "ONNX",
            description = "Start from this roadseg model's weights (a checkpoint the trainer wrote); the optimiser's "
                    + "moments and the step count start afresh.")
    Path from;

    @Option(names = {"-o", "--out"}, defaultValue = "engines/roadseg-trained.onnx",
            description = "Model to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        String[] wh = crop.split("x");
        int w = Integer.parseInt(wh[0]);
        int h = Integer.parseInt(wh[1]);
        if (w % 16 != 0 || h % 16 != 0 || w > 480 || h > 352) {
            throw new UserError("--crop " + crop + ": width and height must be multiples of 16, at most 480x352");
        }
        if (!Files.isDirectory(camvid)) {
            throw new UserError("data " + camvid + ": CamVid folder not found");
        }
        FcnWeights start;
        if (from != null) {
            try {
                start = OnnxWeightsReader.read(from, FcnArchitecture.defaults());
            } catch (java.io.IOException e) {
                throw new UserError(e.getMessage());
            }
        } else {
            start = FcnWeights.random(FcnArchitecture.defaults(), seed);
        }
        Trainer.Result r = new Trainer(new Trainer.Settings(camvid, steps, camvidBatch, simBatch, w, h, lr, seed,
                threads, !noAugment), System.err).train(start, out);
        System.err.printf(java.util.Locale.ROOT, "losses: segmentation %.4f → %.4f, depth %.4f → %.4f%n",
                r.firstSegLoss(), r.lastSegLoss(), r.firstDepthLoss(), r.lastDepthLoss());
        System.err.println("wrote " + out);
        return 0;
    }
}
