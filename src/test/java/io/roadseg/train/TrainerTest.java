package io.roadseg.train;

import io.roadseg.TestData;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.TensorBinding;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnLayer;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.model.OnnxWeightsReader;
import io.roadseg.preprocess.Preprocessor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training with libtorch, exact resumption, and the equivalence of what is trained with what is exported. */
class TrainerTest {
    @TempDir
    Path dir;

    private static Path camvid() {
        Path p = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("train")), p + " not present (set -Droadseg.data)");
        return p;
    }

    /** Synthetic-only settings (no shared data needed): 2 crops of 64x48 per batch, one thread (deterministic). */
    private static Trainer.Settings synthetic(long steps, int checkpointEvery) {
        return new Trainer.Settings(dir0(), List.of(), "", steps, 0, 2, 64, 48, 0.003, 1e-4, 2, 0.5, 2.0, true,
                1.10, 0.5, 7, 1, 1000, checkpointEvery);
    }

    private static Path dir0() {
        return Path.of("does-not-matter-without-splits");
    }

    /**
     * Contact depth on a hand-made 5-column label map (rows top to bottom): a car standing on the road takes the
     * road's depth where it touches it for its whole run; a sign on a pole continues the pole's run; a tree above
     * a car (not touching the ground), a tree on the ground (lawns are CamVid trees) and an object at the bottom edge
     * (no ground below) stay unknown.
     */
    @Test
    void standingObjectsTakeTheDepthOfTheGroundWhereTheyTouchIt() {
        int sky = 0, building = 1, pole = 2, road = 3, pave = 4, tree = 5, sign = 6, car = 8, none = 11;
        byte[] ids = toBytes(new int[][]{
                {sky, sign, tree, sky, sky},
                {building, sign, car, none, tree},
                {building, pole, car, none, tree},
                {road, pole, car, car, tree},
                {road, pave, road, car, road}});
        float[] rows = {0, 0, 30, 20, 10};
        float[] out = new float[25];
        Trainer.contactDepth(ids, rows, 5, 5, out, false);
        float[][] expected = {
                {0, 10, 0, 0, 0},
                {20, 10, 10, 0, 0},
                {20, 10, 10, 0, 0},
                {20, 10, 10, 0, 0},
                {10, 10, 10, 0, 10}};
        assertGrid(expected, out);
    }

    @Test
    void treesThatReachTheHorizonStandOnTheirContactLawnsStayUnknown() {
        int sky = 0, road = 3, pave = 4, tree = 5, car = 8;
        byte[] ids = toBytes(new int[][]{
                {sky, sky, sky, tree, sky},
                {tree, sky, tree, tree, tree},
                {tree, sky, car, tree, road},
                {tree, tree, car, pave, tree},
                {road, road, road, road, road}});
        float[] rows = {0, 0, 30, 20, 10}; // the horizon between rows 1 and 2
        float[] out = new float[25];
        Trainer.contactDepth(ids, rows, 5, 5, out, true);
        float[][] expected = {
                {0, 0, 0, 20, 0},      // column 3: a tree over the pavement, up past the horizon
                {10, 0, 0, 20, 30},    // column 2: a tree over a car is not standing on the ground
                {10, 0, 10, 20, 30},   // column 4: a tree beyond the road (row 2) stands at the road's depth there
                {10, 0, 10, 20, 0},    // columns 1 and 4: one-row tree runs below the horizon are lawns
                {10, 10, 10, 10, 10}};
        assertGrid(expected, out);
        Trainer.contactDepth(ids, rows, 5, 5, out, false);
        for (int v = 0; v < 4; v++) {
            for (int x : new int[]{0, 4}) {
                if (!(v == 2 && x == 4)) {
                    assertEquals(0f, out[v * 5 + x], 0f, "without trees, row " + v + " column " + x);
                }
            }
        }
    }

    private static void assertGrid(float[][] expected, float[] out) {
        for (int v = 0; v < expected.length; v++) {
            for (int x = 0; x < expected[v].length; x++) {
                assertEquals(expected[v][x], out[v * expected[v].length + x], 0f, "row " + v + " column " + x);
            }
        }
    }

    private static byte[] toBytes(int[][] rows) {
        byte[] b = new byte[rows.length * rows[0].length];
        for (int v = 0; v < rows.length; v++) {
            for (int x = 0; x < rows[v].length; x++) {
                b[v * rows[v].length + x] = (byte) rows[v][x];
            }
        }
        return b;
    }

    @Test
    void aFewStepsOnRealCamVidCropsMakeTheLossFall() throws Exception {
        Trainer.Settings s = new Trainer.Settings(camvid(), List.of("train"), "", 40, 3, 1, 96, 64, 0.003, 1e-4,
                5, 0.5, 2.0, true, 1.10, 0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 0.5, 0.5, true, false, 5, 2, 1000, 1000);
        Trainer.Result r = new Trainer(s, System.err).train(FcnWeights.random(FcnArchitecture.defaults(), 5), null,
                dir.resolve("m.onnx"));
        assertTrue(r.lastSegLoss() < 0.8 * r.firstSegLoss(), "segmentation loss " + r.firstSegLoss() + " → "
                + r.lastSegLoss());
        assertTrue(r.lastDepthLoss() < r.firstDepthLoss(), "depth loss " + r.firstDepthLoss() + " → "
                + r.lastDepthLoss());
        assertTrue(Files.size(dir.resolve("m.onnx")) > 1_000_000);
        assertTrue(Files.isRegularFile(dir.resolve("m.ckpt")));
    }

    @Test
    void classUniformSamplingDrawsEachPresentClassAlikeAndReturnsOneOfItsPixels() {
        int w = 8;
        int h = 4;
        Trainer.Frames frames = new Trainer.Frames(w, h);
        byte[] roadWithSign = new byte[w * h];
        Arrays.fill(roadWithSign, (byte) 3);
        roadWithSign[2 * w + 5] = 6;
        byte[] skyOverRoad = new byte[w * h];
        for (int p = 0; p < skyOverRoad.length; p++) {
            skyOverRoad[p] = (byte) (p < w * h / 2 ? 0 : 3);
        }
        byte[] allVoid = new byte[w * h];
        Arrays.fill(allVoid, (byte) 11);
        for (byte[] labels : List.of(roadWithSign, skyOverRoad, allVoid)) {
            frames.names.add("f" + frames.size());
            frames.bgr.add(new byte[3 * w * h]);
            frames.labels.add(labels);
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        int[] pixel = new int[2];
        int[] picks = new int[11];
        int n = 30000;
        for (int i = 0; i < n; i++) {
            int f = frames.classUniformPick(random, 11, pixel);
            int cls = frames.labels.get(f)[pixel[1] * w + pixel[0]];
            picks[cls]++;
            if (cls == 6) {
                assertEquals(0, f);
                assertArrayEquals(new int[] {5, 2}, pixel);
            }
            assertTrue(cls == 0 || cls == 3 || cls == 6, "picked class " + cls);
        }
        // three classes present (sky, road, sign): a third each, however few pixels the sign has
        for (int cls : new int[] {0, 3, 6}) {
            assertEquals(n / 3.0, picks[cls], 0.03 * n, "class " + cls + ": " + Arrays.toString(picks));
        }
    }

    @Test
    void aFocusedWindowHoldsItsPixelInsideTheFrameAndAnUnfocusedOneIsTheUniformDrawAsBefore() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        for (int i = 0; i < 10000; i++) {
            double scaled = 100 + random.nextDouble() * 900;
            int window = 320;
            double focus = random.nextDouble() * scaled;
            double start = Trainer.windowStart(random, scaled, window, focus);
            if (scaled > window) {
                assertTrue(start >= 0 && start <= scaled - window, start + " outside the frame of " + scaled);
                assertTrue(focus >= start && focus < start + window, focus + " not in [" + start + ", +320)");
            } else {
                assertTrue(start <= 0 && start >= scaled - window, "padding " + start);
            }
        }
        // no focus: one draw, the rule every run before class-uniform sampling used (their data order unchanged)
        assertEquals(new java.util.SplittableRandom(5).nextDouble() * (600 - 320),
                Trainer.windowStart(new java.util.SplittableRandom(5), 600, 320, Double.NaN));
        assertEquals(-new java.util.SplittableRandom(5).nextDouble() * (320 - 240),
                Trainer.windowStart(new java.util.SplittableRandom(5), 240, 320, Double.NaN));
    }

    /**
     * Two crops of {@code n} pixels laid out as the trainer's batch arrays: crop 0 all class {@code class0} with depth
     * -1 and depth weight {@code weight0}, images {@code -1 - c}; crop 1 different at every pixel and plane (image
     * {@code i + 1000c}, class {@code i % classes1}, depth {@code i}, weight 0.5).
     */
    private static final class TwoCrops {
        final float[] images;
        final long[] targets;
        final float[] depths;
        final float[] weights;

        TwoCrops(int n, int class0, int classes1, float weight0) {
            images = new float[2 * 3 * n];
            targets = new long[2 * n];
            depths = new float[2 * n];
            weights = new float[2 * n];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 3; c++) {
                    images[c * n + i] = -1 - c;
                    images[3 * n + c * n + i] = i + 1000 * c;
                }
                targets[i] = class0;
                targets[n + i] = i % classes1;
                depths[i] = -1;
                depths[n + i] = i;
                weights[i] = weight0;
                weights[n + i] = 0.5f;
            }
        }
    }

    @Test
    void copyPastePastesExactlyTheChosenObjectClassesOfTheOtherCropWithTheirImageAndDepth() {
        int w = 22;
        int h = 11;
        int n = w * h;
        int[] timesPasted = new int[12];
        for (long seed = 0; seed < 40; seed++) {
            TwoCrops crops = new TwoCrops(n, 3, 12, 0.25f); // crop 0 all road, crop 1 every class and void
            float[] images = crops.images;
            long[] targets = crops.targets;
            float[] depths = crops.depths;
            float[] weights = crops.weights;
            float[] before = images.clone();
            long[] targetsBefore = targets.clone();
            int pasted = Trainer.copyPaste(new java.util.SplittableRandom(seed), 1, 0, w, h, images, targets, depths,
                    weights);
            boolean[] chosen = new boolean[12];
            int changed = 0;
            for (int i = 0; i < n; i++) {
                if (targets[i] != 3) {
                    chosen[(int) targets[i]] = true;
                }
            }
            for (int i = 0; i < n; i++) {
                int k = (int) targetsBefore[n + i];
                boolean in = chosen[k];
                assertEquals(in ? k : 3, targets[i]);
                assertEquals(in ? i : -1f, depths[i]);
                assertEquals(in ? 0.5f : 0.25f, weights[i]);
                for (int c = 0; c < 3; c++) {
                    assertEquals(in ? i + 1000f * c : -1f - c, images[c * n + i]);
                }
                changed += in ? 1 : 0;
            }
            assertEquals(changed, pasted);
            for (int k = 0; k < 12; k++) {
                int id = k;
                assertTrue(!chosen[k] || java.util.Arrays.stream(Trainer.PASTED_CLASSES).anyMatch(c -> c == id),
                        "class " + k + " is not an object class and was pasted");
                timesPasted[k] += chosen[k] ? 1 : 0;
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(before, 3 * n, 6 * n),
                    java.util.Arrays.copyOfRange(images, 3 * n, 6 * n), "the source crop is left as it was");
        }
        for (int k : Trainer.PASTED_CLASSES) {
            assertTrue(timesPasted[k] > 5 && timesPasted[k] < 35, "class " + k + " pasted in " + timesPasted[k]
                    + " of 40 draws, not about half");
        }
    }

    @Test
    void cutMixPastesOneRectangleOfTheOtherCropIntoImageTargetsAndDepthAlike() {
        int w = 20;
        int h = 12;
        int n = w * h;
        int pasted = 0;
        for (long seed = 0; seed < 50; seed++) {
            TwoCrops crops = new TwoCrops(n, 11, 11, 0f); // crop 0 all void, crop 1 every class
            float[] images = crops.images;
            long[] targets = crops.targets;
            float[] depths = crops.depths;
            float[] weights = crops.weights;
            float[] before = images.clone();
            Trainer.cutMix(new java.util.SplittableRandom(seed), 1, 0, w, h, images, targets, depths, weights);
            int x0 = w;
            int x1 = -1;
            int y0 = h;
            int y1 = -1;
            int changed = 0;
            for (int i = 0; i < n; i++) {
                boolean in = depths[i] >= 0;
                if (in) {
                    changed++;
                    x0 = Math.min(x0, i % w);
                    x1 = Math.max(x1, i % w);
                    y0 = Math.min(y0, i / w);
                    y1 = Math.max(y1, i / w);
                    assertEquals(i, depths[i]); // the same position of the other crop
                    assertEquals(i % 11, targets[i]);
                    assertEquals(0.5f, weights[i]);
                    for (int c = 0; c < 3; c++) {
                        assertEquals(i + 1000 * c, images[c * n + i]);
                    }
                } else {
                    assertEquals(11, targets[i]);
                    assertEquals(0f, weights[i]);
                    for (int c = 0; c < 3; c++) {
                        assertEquals(-1 - c, images[c * n + i]);
                    }
                }
            }
            if (changed > 0) {
                assertEquals((x1 - x0 + 1) * (y1 - y0 + 1), changed, "one rectangle, seed " + seed);
                assertTrue(changed <= 0.5 * n + w + h, changed + " of " + n + " pixels");
                pasted++;
            }
            assertArrayEquals(java.util.Arrays.copyOfRange(before, 3 * n, 6 * n),
                    java.util.Arrays.copyOfRange(images, 3 * n, 6 * n), "the source crop is left as it was");
        }
        assertTrue(pasted > 40, pasted + " of 50 draws pasted a rectangle");
    }

    @Test
    void aRunResumedFromItsCheckpointEndsBitForBitWhereTheUninterruptedRunEnds() throws Exception {
        FcnWeights start = FcnWeights.random(FcnArchitecture.defaults(), 3);
        Path straight = dir.resolve("straight/m.onnx");
        new Trainer(synthetic(4, 2), System.err).train(start, null, straight);

        // the same run, its process gone right after the step-2 checkpoint, then resumed from that checkpoint
        Path interrupted = dir.resolve("interrupted/m.onnx");
        new Trainer(synthetic(4, 2), System.err).trainUntil(start, null, interrupted, 2);
        TrainingCheckpoint atTwo = TrainingCheckpoint.read(Trainer.checkpointFor(interrupted));
        assertEquals("2", atTwo.property("step"));
        new Trainer(synthetic(4, 2), System.err).train(start, atTwo, interrupted);

        TrainingCheckpoint a = TrainingCheckpoint.read(Trainer.checkpointFor(straight));
        TrainingCheckpoint b = TrainingCheckpoint.read(Trainer.checkpointFor(interrupted));
        assertEquals("4", b.property("step"));
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        assertTrue(a.tensors().keySet().stream().anyMatch(k -> k.startsWith("adam.v/")), "optimiser moments saved");
        assertTrue(a.tensors().keySet().stream().anyMatch(k -> k.endsWith("running_var")), "BatchNorm statistics");
        for (Map.Entry<String, TrainingCheckpoint.Tensor> e : a.tensors().entrySet()) {
            assertArrayEquals(e.getValue().values(), b.tensors().get(e.getKey()).values(), e.getKey());
        }
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(interrupted), "exported models");

        // a finished run resumed writes its model again, byte for byte: how a committed checkpoint gives back its ONNX
        Path again = dir.resolve("again/m.onnx");
        new Trainer(synthetic(4, 2), System.err).train(start, a, again);
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(again), "model written again");
    }

    /**
     * A network of other widths (as {@code train --channels} or a GPU run's checkpoint gives): its checkpoint and model
     * record the widths, a resume takes them from the checkpoint whatever start weights it is handed and ends bit for
     * bit where the straight run ends, and a warm restart from it trains the same widths.
     */
    @Test
    void aNetworkOfOtherWidthsTrainsResumesAndWarmStartsWithItsWidths() throws Exception {
        FcnArchitecture narrow = FcnArchitecture.defaults().withChannels(8, 16, 24, 40);
        FcnWeights start = FcnWeights.random(narrow, 3);
        Path straight = dir.resolve("straight/m.onnx");
        new Trainer(synthetic(4, 2), System.err).train(start, null, straight);
        TrainingCheckpoint a = TrainingCheckpoint.read(Trainer.checkpointFor(straight));
        assertEquals("8,16,24,40", a.property(TrainingCheckpoint.CHANNELS));
        assertArrayEquals(narrow.channels(), a.architecture().channels());
        Map<String, String> metadata = OnnxWeightsReader.readMetadata(straight);
        assertEquals("8,16,24,40", metadata.get(ModelContract.CHANNELS));
        OnnxWeightsReader.read(straight, ModelContract.architecture(metadata));

        Path interrupted = dir.resolve("interrupted/m.onnx");
        new Trainer(synthetic(4, 2), System.err).trainUntil(start, null, interrupted, 2);
        TrainingCheckpoint atTwo = TrainingCheckpoint.read(Trainer.checkpointFor(interrupted));
        FcnWeights otherWidths = FcnWeights.random(FcnArchitecture.defaults(), 3);
        new Trainer(synthetic(4, 2), System.err).train(otherWidths, atTwo, interrupted);
        TrainingCheckpoint b = TrainingCheckpoint.read(Trainer.checkpointFor(interrupted));
        for (Map.Entry<String, TrainingCheckpoint.Tensor> e : a.tensors().entrySet()) {
            assertArrayEquals(e.getValue().values(), b.tensors().get(e.getKey()).values(), e.getKey());
        }

        Path warm = dir.resolve("warm/m.onnx");
        new Trainer(synthetic(3, 2), System.err).warmStart(a, "straight.ckpt").train(otherWidths, null, warm);
        TrainingCheckpoint w = TrainingCheckpoint.read(Trainer.checkpointFor(warm));
        assertEquals("8,16,24,40", w.property(TrainingCheckpoint.CHANNELS));
        assertEquals("straight.ckpt", w.property("warm_start"));
        for (Map.Entry<String, TrainingCheckpoint.Tensor> e : a.tensors().entrySet()) {
            if (e.getKey().startsWith(TrainingCheckpoint.PARAM)) {
                assertEquals(e.getValue().values().length, w.tensors().get(e.getKey()).values().length, e.getKey());
            }
        }
    }

    /**
     * {@code train --relu}: every PReLU slope is set to 0 and stays there while the rest trains; the model is written
     * with Relu nodes, and a resume that leaves the option out is refused.
     */
    @Test
    void aReluRunHoldsEverySlopeAtZeroWhileTheRestTrains() throws Exception {
        Trainer.Settings relu = new Trainer.Settings(dir0(), List.of(), "", 3, 0, 2, 64, 48, 0.003, 1e-4, 2, 0.5, 2.0,
                true, 1.10, 0.5, 0, 2.0, 0, 0, 0, 0, 0, false, true, 7, 1, 1000, 2);
        FcnWeights start = FcnWeights.random(FcnArchitecture.defaults(), 3);
        Path out = dir.resolve("relu/m.onnx");
        Trainer.Result r = new Trainer(relu, System.err).train(start, null, out);
        int slopes = 0;
        boolean trained = false;
        for (FcnLayer layer : FcnArchitecture.defaults().layers()) {
            if (layer instanceof FcnLayer.PRelu p) {
                assertArrayEquals(new float[p.channels()], r.weights().tensor(p.slopeName()).values(), p.slopeName());
                slopes++;
            } else if (layer instanceof FcnLayer.Conv c) {
                trained |= !Arrays.equals(start.tensor(c.weightName()).values(),
                        r.weights().tensor(c.weightName()).values());
            }
        }
        assertTrue(slopes > 0 && trained, "slopes held, convolutions trained");
        assertFalse(new String(Files.readAllBytes(out), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("PRelu"), "written with Relu nodes");
        TrainingCheckpoint c = TrainingCheckpoint.read(Trainer.checkpointFor(out));
        assertEquals("true", c.property("relu"));
        assertTrue(Trainer.modelMetadata(c).get(ModelContract.WEIGHTS).contains("ReLU"));
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> new Trainer(synthetic(3, 2), System.err).train(start, c, dir.resolve("n.onnx")));
        assertTrue(e.getMessage().contains("relu"), e.getMessage());
    }

    /**
     * The distillation terms on hand-made cases: a student whose outputs are the teacher's own scores 0; one whose
     * outputs differ scores above 0 on both terms; the depth term reads only the pixels without a depth label.
     */
    @Test
    void theDistillationLossIsZeroForTheTeachersOwnOutputsAndCountsDepthOnlyWhereUnlabelled() {
        torch.set_num_threads(1);
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(48, 64);
        float[] input = new float[3 * 48 * 64];
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
        int pixels = 48 * 64;
        try (TorchFcn teacher = new TorchFcn(FcnWeights.random(arch, 21), null);
             TorchFcn other = new TorchFcn(FcnWeights.random(arch, 22), null);
             PointerScope scope = new PointerScope()) {
            Tensor x = Tensor.create(input, 1, 3, 48, 64);
            float[] unlabelled = new float[pixels];
            float[] noneLabelled = new float[pixels];
            float[] allLabelled = new float[pixels];
            Arrays.fill(allLabelled, 1f);
            Tensor[] same = teacher.forward(x, false);
            assertEquals(0.0, Trainer.distillationLoss(teacher, x, same, noneLabelled, unlabelled, null).item_float(),
                    1e-5, "the teacher's own outputs");
            Tensor[] student = other.forward(x, false);
            double both = Trainer.distillationLoss(teacher, x, student, noneLabelled, unlabelled, null).item_float();
            double klOnly = Trainer.distillationLoss(teacher, x, student, allLabelled, unlabelled, null).item_float();
            // the depth term alone: mean |log d_student - log d_teacher| over every pixel
            float[] ds = TorchFcn.copy(student[1]).values();
            float[] dt = TorchFcn.copy(same[1]).values();
            double depth = 0;
            for (int i = 0; i < pixels; i++) {
                depth += Math.abs(Math.log(Math.max(ds[i], 1e-3)) - Math.log(Math.max(dt[i], 1e-3)));
            }
            depth /= pixels;
            assertTrue(klOnly > 1e-3 && depth > 1e-3, "another network differs: KL " + klOnly + ", depth " + depth);
            assertEquals(klOnly + depth, both, 1e-4 * both, "labelled pixels leave the depth term out");
        }
    }

    /**
     * {@code train --teacher}: a distilled run resumes bit for bit where the uninterrupted one ends, records its
     * teacher, and a resume without the teacher, or with another file, is refused naming it.
     */
    @Test
    void aDistilledRunResumesExactlyAndOnlyWithItsTeacher() throws Exception {
        FcnWeights start = FcnWeights.random(FcnArchitecture.defaults(), 3);
        FcnWeights teacher = FcnWeights.random(FcnArchitecture.defaults(), 4);
        Path straight = dir.resolve("kd-straight/m.onnx");
        new Trainer(synthetic(4, 2), System.err).distillFrom(teacher, "t.onnx", "aa11", 0.5)
                .train(start, null, straight);
        Path interrupted = dir.resolve("kd-interrupted/m.onnx");
        new Trainer(synthetic(4, 2), System.err).distillFrom(teacher, "t.onnx", "aa11", 0.5)
                .trainUntil(start, null, interrupted, 2);
        TrainingCheckpoint atTwo = TrainingCheckpoint.read(Trainer.checkpointFor(interrupted));
        new Trainer(synthetic(4, 2), System.err).distillFrom(teacher, "t.onnx", "aa11", 0.5)
                .train(start, atTwo, interrupted);
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(interrupted), "exported models");

        Path plain = dir.resolve("plain/m.onnx");
        new Trainer(synthetic(4, 2), System.err).train(start, null, plain);
        assertFalse(Arrays.equals(Files.readAllBytes(straight), Files.readAllBytes(plain)), "the teacher counts");

        TrainingCheckpoint c = TrainingCheckpoint.read(Trainer.checkpointFor(straight));
        assertEquals("0.5", c.property("distill"));
        assertEquals("t.onnx", c.property("teacher"));
        assertTrue(Trainer.modelMetadata(c).get(ModelContract.WEIGHTS).contains("distilled from t.onnx"));
        java.io.IOException none = assertThrows(java.io.IOException.class,
                () -> new Trainer(synthetic(4, 2), System.err).train(start, atTwo, dir.resolve("n.onnx")));
        assertTrue(none.getMessage().contains("distillation") && none.getMessage().contains("t.onnx"),
                none.getMessage());
        java.io.IOException other = assertThrows(java.io.IOException.class,
                () -> new Trainer(synthetic(4, 2), System.err).distillFrom(teacher, "u.onnx", "bb22", 0.5)
                        .train(start, atTwo, dir.resolve("o.onnx")));
        assertTrue(other.getMessage().contains("u.onnx") && other.getMessage().contains("aa11"), other.getMessage());
        java.io.IOException widths = assertThrows(java.io.IOException.class,
                () -> new Trainer(synthetic(4, 2), System.err)
                        .distillFrom(FcnWeights.random(FcnArchitecture.defaults().withChannels("8,16,24,40"), 1),
                                "small.onnx", "cc33", 1).train(start, null, dir.resolve("w.onnx")));
        assertTrue(widths.getMessage().contains("8,16,24,40"), widths.getMessage());
    }

    @Test
    void resumingWithOtherSettingsIsRefusedNamingTheSetting() throws Exception {
        FcnWeights start = FcnWeights.random(FcnArchitecture.defaults(), 3);
        Path out = dir.resolve("m.onnx");
        new Trainer(synthetic(4, 2), System.err).trainUntil(start, null, out, 2);
        TrainingCheckpoint c = TrainingCheckpoint.read(Trainer.checkpointFor(out));
        Trainer.Settings other = new Trainer.Settings(dir0(), List.of(), "", 4, 0, 2, 64, 48, 0.005, 1e-4, 2, 0.5,
                2.0, true, 1.10, 0.5, 7, 1, 1000, 2);
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> new Trainer(other, System.err).train(start, c, dir.resolve("n.onnx")));
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
    }

    @Test
    void theLibtorchForwardAndTheExportedOnnxAgreeOnARealFrameWithBatchNormFolded() throws Exception {
        Path camvid = camvid();
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(176, 240);
        LabelledFolder val = LabelledFolder.camvid(camvid, "val");
        float[] input = new float[3 * 240 * 176];
        try (Preprocessor pre = new Preprocessor(240, 176, ModelContract.imagenetMean(), ModelContract.imagenetStd(),
                true, true); Mat small = new Mat(176, 240, CV_8UC3); LabelledFolder.Sample sample = val.read(0)) {
            pre.resizeToModel(sample.image(), small);
            java.nio.FloatBuffer planes = ByteBuffer.allocateDirect(4 * input.length)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
            pre.toTensor(small.data().capacity(240 * 176 * 3).asByteBuffer(), planes);
            planes.get(0, input);
        }
        torch.set_num_threads(1);
        try (TorchFcn net = new TorchFcn(FcnWeights.random(arch, 11), null);
             PointerScope scope = new PointerScope()) {
            Tensor x = Tensor.create(input, 1, 3, 176, 240);
            // a few training-mode passes give BatchNorm non-trivial running statistics to fold
            for (int i = 0; i < 3; i++) {
                net.forward(x, true);
            }
            FcnWeights exported = net.weights(arch);
            Path model = dir.resolve("eq.onnx");
            OnnxModelWriter.write(exported, ModelContract.defaultMetadata(arch, "equivalence"), model);
            Tensor[] out = net.forward(x, false);
            float[] logits = new float[11 * 240 * 176];
            out[0].contiguous().data_ptr_float().get(logits);
            float[] depth = new float[240 * 176];
            out[1].contiguous().data_ptr_float().get(depth);
            try (InferenceEngine ort = InferenceEngines.open("cpu", model, new EngineOptions(1), m -> { });
                 TensorBinding b = ort.allocate()) {
                b.input.put(0, input);
                ort.infer(b);
                double maxLogit = 0;
                double scale = 0;
                for (int i = 0; i < logits.length; i++) {
                    maxLogit = Math.max(maxLogit, Math.abs(logits[i] - b.logits.get(i)));
                    scale = Math.max(scale, Math.abs(logits[i]));
                }
                double maxDepth = 0;
                for (int i = 0; i < depth.length; i++) {
                    maxDepth = Math.max(maxDepth, Math.abs(depth[i] - b.depth.get(i)));
                }
                assertTrue(scale > 0.1, "logits are not trivially zero: " + scale);
                assertTrue(maxLogit <= 1e-3 * Math.max(1, scale), "max |Δ logit| " + maxLogit + " of " + scale);
                assertTrue(maxDepth <= 1e-3, "max |Δ depth| " + maxDepth + " m");
            }
            // and the exported weights read back exactly
            assertEquals(exported, OnnxWeightsReader.read(model, arch));
        }
    }
}
