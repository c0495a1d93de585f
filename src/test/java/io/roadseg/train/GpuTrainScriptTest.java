package io.roadseg.train;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnGraphJson;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxWeightsReader;
import io.roadseg.model.ReferenceForward;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer for a lent GPU ({@code scripts/gpu_train.py}) against the Java side, with PyTorch on this machine's CPU
 * as the other side: its reading of graph.json computes what {@link ReferenceForward} computes on the folded weights,
 * its checkpoints are roadseg's format (read, resumed exactly, exported by {@code export-model --from RUN.ckpt}).
 * Skipped where no Python with PyTorch, NumPy and Pillow is found (Debian: python3-torch python3-numpy python3-pil,
 * which {@code .ci/run} installs; or {@code -Droadseg.python=PATH}).
 */
class GpuTrainScriptTest {
    private static final Path SCRIPT = Path.of("scripts/gpu_train.py");

    @TempDir
    Path dir;

    /** A Python that has torch, numpy and PIL, or a skipped test saying why. */
    private static String python() {
        List<String> candidates = new ArrayList<>();
        if (System.getProperty("roadseg.python") != null) {
            candidates.add(System.getProperty("roadseg.python"));
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String p : candidates) {
            try {
                Process check = new ProcessBuilder(p, "-c", "import torch, numpy, PIL").redirectErrorStream(true)
                        .start();
                check.getInputStream().readAllBytes();
                if (check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0) {
                    return p;
                }
            } catch (IOException | InterruptedException e) {
                // try the next one
            }
        }
        Assumptions.abort("no python3 with torch, numpy and PIL (Debian: python3-torch python3-numpy python3-pil; "
                + "or -Droadseg.python=PATH)");
        return null;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    /**
     * Random weights with BatchNorm statistics and affine terms away from identity (so that folding is exercised),
     * in training form, written as a checkpoint; the Java forward runs on {@link TrainingCheckpoint#weights}.
     */
    @Test
    void graphReadByPythonComputesWhatTheJavaForwardComputesAtTwoSizes() throws Exception {
        String python = python();
        SplittableRandom random = new SplittableRandom(11);
        Map<String, TrainingCheckpoint.Tensor> form = new LinkedHashMap<>(TrainingCheckpoint.trainingForm(
                FcnWeights.random(FcnArchitecture.defaults(), 5)));
        for (Map.Entry<String, TrainingCheckpoint.Tensor> e : form.entrySet()) {
            float[] v = e.getValue().values();
            String n = e.getKey();
            for (int i = 0; i < v.length; i++) {
                if (n.endsWith(".bn.weight")) {
                    v[i] = (float) (0.5 + random.nextDouble());
                } else if (n.endsWith(".bn.running_mean")) {
                    v[i] = (float) (0.2 * (random.nextDouble() - 0.5));
                } else if (n.endsWith(".bn.running_var")) {
                    v[i] = (float) (0.5 + random.nextDouble());
                } else if (n.endsWith(".slope")) {
                    v[i] = (float) (0.5 * random.nextDouble());
                }
            }
        }
        TrainingCheckpoint checkpoint = new TrainingCheckpoint(Map.of("architecture", FcnArchitecture.NAME), form);
        Path weights = dir.resolve("w.ckpt");
        checkpoint.write(weights);
        Path graph = dir.resolve("graph.json");
        Files.writeString(graph, FcnGraphJson.write(FcnArchitecture.defaults()));
        for (int[] hw : new int[][] {{96, 128}, {64, 208}}) {
            FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(hw[0], hw[1]);
            int n = 3 * hw[0] * hw[1];
            float[] image = new float[n];
            for (int i = 0; i < n; i++) {
                image[i] = (float) (2 * random.nextDouble() - 1);
            }
            ByteBuffer in = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            in.asFloatBuffer().put(image);
            Path input = dir.resolve("in.bin");
            Files.write(input, in.array());
            Path output = dir.resolve("out.bin");
            run(python, SCRIPT.toString(), "--forward", "--graph", graph.toString(), "--weights", weights.toString(),
                    "--input", input.toString(), "--size", hw[1] + "x" + hw[0], "--out", output.toString());
            ReferenceForward.Outputs java = new ReferenceForward(checkpoint.weights(arch)).run(image, 1);
            float[] py = new float[java.segLogits().length + java.depth().length];
            ByteBuffer.wrap(Files.readAllBytes(output)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(py);
            double worstSeg = 0;
            double scale = 0;
            for (int i = 0; i < java.segLogits().length; i++) {
                worstSeg = Math.max(worstSeg, Math.abs(py[i] - java.segLogits()[i]));
                scale = Math.max(scale, Math.abs(java.segLogits()[i]));
            }
            double worstDepth = 0;
            for (int i = 0; i < java.depth().length; i++) {
                worstDepth = Math.max(worstDepth, Math.abs(py[java.segLogits().length + i] - java.depth()[i]));
            }
            assertTrue(scale > 0.1, "logits too small to compare: " + scale);
            assertTrue(worstSeg <= 1e-4 * Math.max(1, scale), hw[1] + "x" + hw[0] + ": logits differ by " + worstSeg
                    + " (largest logit " + scale + ")");
            System.out.printf("%dx%d: logits differ by at most %.2e (largest %.1f), depth by %.2e m%n", hw[1], hw[0],
                    worstSeg, scale, worstDepth);
            // depth = 80 m * sigmoid(head): the head's float rounding, at most 1e-4 of the logits' scale, times the
            // sigmoid's slope (at most 20 m per unit)
            assertTrue(worstDepth <= 20 * 1e-4 * Math.max(1, scale), hw[1] + "x" + hw[0] + ": depth differs by "
                    + worstDepth + " m");
        }
    }

    /**
     * A bundle of a few real CamVid frames and synthetic samples; two steps on the CPU straight equal one step, a
     * stop, and a resumed step (class-uniform crops included); the checkpoint exports through
     * {@code export-model --from} with its provenance; a network variant of other widths trains from the same bundle
     * and exports with them.
     */
    @Test
    void bundleTrainsResumesExactlyAndExportsThroughExportModel() throws Exception {
        String python = python();
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("train")), camvid + " not present");
        Path small = dir.resolve("camvid");
        Files.createDirectories(small.resolve("train"));
        Files.createDirectories(small.resolve("trainannot"));
        for (String name : List.of("0001TP_006690.png", "0016E5_00390.png", "0006R0_f00930.png")) {
            Files.copy(camvid.resolve("train").resolve(name), small.resolve("train").resolve(name));
            Files.copy(camvid.resolve("trainannot").resolve(name), small.resolve("trainannot").resolve(name));
        }
        Path bundle = dir.resolve("bundle");
        Cli.Outcome made = Cli.run("train-bundle", "--camvid", small.toString(), "--splits", "train",
                "--sim-samples", "3", "--variant", "8,16,32,64", "--camvid-pitch", "0.5", "--contact-trees",
                "-o", bundle.toString());
        assertEquals(0, made.exit(), made.stderr());
        assertTrue(made.stderr().contains("3 CamVid frames, 3 synthetic samples"), made.stderr());
        assertTrue(Files.isRegularFile(bundle.resolve("sim/000002.depth.png")));
        assertContactLabelsAreTrainers(bundle.resolve("camvid"), "0006R0_f00930");
        Cli.Outcome again = Cli.run("train-bundle", "--camvid", small.toString(), "--splits", "train", "-o",
                bundle.toString());
        assertEquals(2, again.exit(), again.stderr()); // a usage error, found before anything is written
        assertTrue(again.stderr().contains("not empty"), again.stderr());

        String[] common = {python, SCRIPT.toString(), "--bundle", bundle.toString(), "--splits", "train",
                "--steps", "2", "--warmup", "1", "--camvid-batch", "2", "--sim-batch", "1", "--crop", "64x48",
                "--eval-every", "100", "--log-every", "1", "--lovasz", "1", "--contact-depth-weight", "0.5",
                "--class-uniform", "0.5", "--cpu"};
        Path straight = dir.resolve("straight.ckpt");
        Path resumed = dir.resolve("resumed.ckpt");
        run(concat(common, "--out", straight.toString()));
        String first = run(concat(common, "--out", resumed.toString(), "--stop-after", "1"));
        assertTrue(first.contains("stopped after step 1 of 2"), first);
        run(concat(common, "--out", resumed.toString(), "--resume", resumed.toString()));
        TrainingCheckpoint a = TrainingCheckpoint.read(straight);
        TrainingCheckpoint b = TrainingCheckpoint.read(resumed);
        assertEquals("2", a.properties().get("step"));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String name : a.tensors().keySet()) {
            assertArrayEquals(a.tensors().get(name).values(), b.tensors().get(name).values(), 1e-6f, name);
        }
        assertTrue(a.tensors().containsKey("adam.v/enc.stem.bn.weight"));
        // out of time: a checkpoint where the run stands, which --resume continues
        Path late = dir.resolve("late.ckpt");
        String cut = run(concat(common, "--out", late.toString(), "--stop-at-seconds", "0.001"));
        assertTrue(cut.contains("stopped after step 1 of 2, as asked (--stop-at-seconds 0.001); --resume"), cut);
        assertEquals("1", TrainingCheckpoint.read(late).properties().get("step"));
        run(concat(common, "--out", late.toString(), "--resume", late.toString()));
        TrainingCheckpoint lateDone = TrainingCheckpoint.read(late);
        for (String name : a.tensors().keySet()) {
            assertArrayEquals(a.tensors().get(name).values(), lateDone.tensors().get(name).values(), 1e-6f, name);
        }
        assertEquals("1.0", a.properties().get("lovasz"));
        assertEquals("0.5", a.properties().get("class_uniform"));
        assertEquals("0.5", a.properties().get("contact_depth_weight"));
        assertEquals("0.5", a.properties().get("camvid_pitch_deg"));
        assertEquals("true", a.properties().get("contact_trees"));
        assertTrue(a.properties().get("trainer").startsWith("scripts/gpu_train.py (PyTorch"));

        // without the optimiser state: the same weights, a third of the size, a start (--init) but no resume
        Path light = dir.resolve("light.ckpt");
        run(python, SCRIPT.toString(), "--weights-only", straight.toString(), "--out", light.toString());
        TrainingCheckpoint c = TrainingCheckpoint.read(light);
        assertTrue(c.tensors().keySet().stream().noneMatch(n -> n.startsWith("adam.")), c.tensors().keySet().toString());
        assertEquals(a.tensors().keySet().stream().filter(n -> !n.startsWith("adam.")).toList(),
                List.copyOf(c.tensors().keySet()));
        for (String name : c.tensors().keySet()) {
            assertArrayEquals(a.tensors().get(name).values(), c.tensors().get(name).values(), name);
        }
        assertEquals("dropped", c.properties().get("optimiser_state"));
        Process refused = new ProcessBuilder(concat(common, "--out", dir.resolve("x.ckpt").toString(), "--resume",
                light.toString())).redirectErrorStream(true).start();
        String refusal = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(refused.waitFor(300, TimeUnit.SECONDS));
        assertEquals(1, refused.exitValue(), refusal);
        assertTrue(refusal.strip().endsWith("no optimiser state (written by --weights-only): it can start a run "
                + "(--init), not continue one"), refusal);
        assertTrue(!refusal.contains("Traceback"), refusal);
        run(concat(common, "--out", dir.resolve("from-light.ckpt").toString(), "--init", light.toString()));
        // --relu, as the Java trainer's: every PReLU slope 0 and held there while the rest trains
        Path relu = dir.resolve("relu.ckpt");
        run(concat(common, "--out", relu.toString(), "--init", light.toString(), "--relu"));
        TrainingCheckpoint r = TrainingCheckpoint.read(relu);
        assertEquals("true", r.properties().get("relu"));
        long slopes = 0;
        for (String name : r.tensors().keySet()) {
            if (name.startsWith(TrainingCheckpoint.PARAM) && name.endsWith(".slope")) {
                assertArrayEquals(new float[r.tensors().get(name).values().length], r.tensors().get(name).values(),
                        name);
                slopes++;
            }
        }
        assertTrue(slopes > 0, r.tensors().keySet().toString());
        assertFalse(Arrays.equals(c.tensors().get(TrainingCheckpoint.PARAM + "enc.stem.weight").values(),
                r.tensors().get(TrainingCheckpoint.PARAM + "enc.stem.weight").values()), "the rest trains");

        Path onnx = dir.resolve("gpu.onnx");
        Cli.Outcome exported = Cli.run("export-model", "--from", straight.toString(), "--logit-adjust", "0.5",
                "-o", onnx.toString());
        assertEquals(0, exported.exit(), exported.stderr());
        OnnxWeightsReader.Model model = OnnxWeightsReader.readModel(onnx, FcnArchitecture.defaults());
        Map<String, String> meta = model.metadata();
        assertTrue(meta.get(ModelContract.WEIGHTS).startsWith("trained by scripts/gpu_train.py"), meta.toString());
        assertTrue(meta.get(ModelContract.WEIGHTS).endsWith(
                "seed 1, class-uniform crops 0.5, loss cross-entropy + 1.0 * Lovasz-softmax, logit-adjusted (tau 0.50)"),
                meta.toString());
        assertTrue(meta.get(ModelContract.TRAINING_DATA).contains("without sequence 0006R0"), meta.toString());
        assertTrue(meta.get(ModelContract.HELD_OUT).startsWith("CamVid sequence 0006R0, mIoU"), meta.toString());
        assertEquals(a.properties().get("class_weights"), meta.get(ModelContract.CLASS_WEIGHTS));
        assertTrue(meta.get(ModelContract.TRAINING_DATA).contains("synthetic town drives (roadseg sim seed 1, 3 fixed "
                + "samples, every 16th, of a training bundle)"), meta.toString());
        assertTrue(meta.get(ModelContract.TRAINING_DATA).contains("ground contact, trees' included (weight 0.5, "
                + "CamVid camera pitch 0.5"), meta.toString());

        // a variant of other widths trains from the same bundle and exports with its widths
        Path narrow = dir.resolve("narrow.ckpt");
        run(concat(common, "--variant", "8-16-32-64", "--out", narrow.toString()));
        assertEquals("8,16,32,64", TrainingCheckpoint.read(narrow).properties().get("channels"));
        Path narrowOnnx = dir.resolve("narrow.onnx");
        Cli.Outcome narrowExport = Cli.run("export-model", "--from", narrow.toString(), "-o", narrowOnnx.toString());
        assertEquals(0, narrowExport.exit(), narrowExport.stderr());
        Map<String, String> narrowMeta = OnnxWeightsReader.readMetadata(narrowOnnx);
        assertEquals("8,16,32,64", narrowMeta.get(ModelContract.CHANNELS));
        OnnxWeightsReader.readModel(narrowOnnx, ModelContract.architecture(narrowMeta));

        // --extra-sim: another bundle's synthetic samples (another seed: other drives) in one pool with the bundle's,
        // named in the checkpoint; the same seed twice is refused, and so is a resume with another pool
        Path extra = dir.resolve("extra");
        Cli.Outcome extraMade = Cli.run("train-bundle", "--camvid", small.toString(), "--splits", "train",
                "--sim-samples", "2", "--seed", "2", "--camvid-pitch", "0.5", "--contact-trees", "-o", extra.toString());
        assertEquals(0, extraMade.exit(), extraMade.stderr());
        Path pooled = dir.resolve("pooled.ckpt");
        String pooledLog = run(concat(common, "--extra-sim", extra.toString(), "--out", pooled.toString(),
                "--stop-after", "1"));
        assertTrue(pooledLog.contains("5 synthetic samples"), pooledLog);
        assertEquals("roadseg sim seed 1, 3 fixed samples, every 16th + roadseg sim seed 2, 2 fixed samples, every "
                + "16th, of training bundles", TrainingCheckpoint.read(pooled).properties().get("sim_data"));
        String twice = refused(concat(common, "--extra-sim", bundle.toString(), "--out", dir.resolve("y.ckpt").toString()));
        assertTrue(twice.strip().endsWith("synthetic seed 1 is already the bundle's (the same drives twice); write it "
                + "with train-bundle --seed N"), twice);
        String otherPool = refused(concat(common, "--out", pooled.toString(), "--resume", pooled.toString()));
        assertTrue(otherPool.contains("--resume: the checkpoint was trained on other synthetic samples"), otherPool);
        run(concat(common, "--extra-sim", extra.toString(), "--out", pooled.toString(), "--resume", pooled.toString()));
        assertEquals("2", TrainingCheckpoint.read(pooled).properties().get("step"));
    }

    /** Runs a gpu_train.py command that must fail: exit 1, one line, no traceback; returns its output. */
    private static String refused(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertFalse(out.contains("Traceback"), out);
        return out;
    }

    /** The bundle's contact labels are {@link Trainer#contactDepth} of its class ids at its pitch, to 1/512 m. */
    private static void assertContactLabelsAreTrainers(Path camvid, String stem) {
        int w = Trainer.CAMVID_CAMERA.width();
        int h = Trainer.CAMVID_CAMERA.height();
        byte[] ids = new byte[w * h];
        short[] units = new short[w * h];
        try (org.bytedeco.opencv.opencv_core.Mat labels = org.bytedeco.opencv.global.opencv_imgcodecs.imread(
                camvid.resolve(stem + ".png").toString(), org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED);
             org.bytedeco.opencv.opencv_core.Mat contact = org.bytedeco.opencv.global.opencv_imgcodecs.imread(
                     camvid.resolve(stem + ".contact.png").toString(),
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED)) {
            assertEquals(org.bytedeco.opencv.global.opencv_core.CV_16UC1, contact.type(), "16-bit contact labels");
            labels.data().get(ids);
            new org.bytedeco.javacpp.ShortPointer(contact.data()).get(units);
        }
        float[] expected = new float[w * h];
        Trainer.contactDepth(ids, Trainer.roadDepthByRow(Trainer.CAMVID_CAMERA, 0.5,
                FcnArchitecture.defaults().maxDepth()), w, h, expected, true);
        int labelled = 0;
        for (int p = 0; p < expected.length; p++) {
            float got = (units[p] & 0xffff) / 256f;
            assertEquals(expected[p], got, 1 / 512f + 1e-4f, "pixel " + p);
            labelled += expected[p] > 0 ? 1 : 0;
        }
        assertTrue(labelled > w * h / 5, "a road scene has ground labels: " + labelled);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
