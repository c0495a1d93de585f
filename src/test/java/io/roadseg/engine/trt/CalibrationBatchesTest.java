package io.roadseg.engine.trt;

import io.roadseg.TestData;
import io.roadseg.engine.InferenceException;
import io.roadseg.model.ModelContract;
import io.roadseg.preprocess.Preprocessor;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationBatchesTest {
    static final int W = 240;
    static final int H = 176;

    @TempDir
    Path dir;

    static Preprocessor preprocessor() {
        return new Preprocessor(W, H, ModelContract.imagenetMean(), ModelContract.imagenetStd(), true, true);
    }

    /** The pipeline's tensor for one image file: decode, resize, normalise, CHW. */
    static float[] pipelineTensor(Path image) {
        try (Preprocessor pre = preprocessor();
             Mat bgr = imread(image.toString(), IMREAD_COLOR);
             Mat small = new Mat(H, W, CV_8UC3)) {
            pre.resizeToModel(bgr, small);
            FloatBuffer t = ByteBuffer.allocateDirect(3 * W * H * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            pre.toTensor(small.data().capacity(3L * W * H).asByteBuffer(), t);
            float[] out = new float[3 * W * H];
            t.get(0, out);
            return out;
        }
    }

    static Path writeNoise(Path file, int width, int height, long seed) {
        byte[] pixels = new byte[width * height * 3];
        new Random(seed).nextBytes(pixels);
        try (Mat m = new Mat(height, width, CV_8UC3)) {
            m.data().put(pixels);
            assertTrue(imwrite(file.toString(), m), "cannot write " + file);
        }
        return file;
    }

    static FloatBuffer batchBuffer(CalibrationBatches b) {
        return ByteBuffer.allocateDirect(b.batchFloats() * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static void assertBatchHolds(FloatBuffer batch, List<Path> images) {
        int n = 3 * W * H;
        for (int i = 0; i < images.size(); i++) {
            float[] got = new float[n];
            batch.get(i * n, got);
            float[] want = pipelineTensor(images.get(i));
            for (int k = 0; k < n; k++) {
                if (Float.floatToRawIntBits(got[k]) != Float.floatToRawIntBits(want[k])) {
                    throw new AssertionError("image " + images.get(i) + " float " + k + ": batch has " + got[k]
                            + ", Preprocessor gives " + want[k]);
                }
            }
        }
    }

    @Test
    void batchesHoldExactlyWhatThePipelinePreprocessorProduces() throws Exception {
        Path frames = Files.createDirectories(dir.resolve("calibration/frames"));
        Path a = writeNoise(frames.resolve("a.png"), 640, 360, 1);
        Path b = writeNoise(Files.createDirectories(frames.resolve("day2")).resolve("b.jpg"), 320, 200, 2);
        try (Preprocessor pre = preprocessor();
             CalibrationBatches batches = new CalibrationBatches(frames, pre, 2)) {
            assertEquals(List.of(a, b), batches.images());
            assertEquals(1, batches.batchCount());
            FloatBuffer batch = batchBuffer(batches);
            assertTrue(batches.next(batch));
            assertBatchHolds(batch, List.of(a, b));
            assertFalse(batches.next(batch), "no second whole batch");
            batches.rewind();
            assertTrue(batches.next(batch));
        }
    }

    @Test
    void realDashCameraStillsAreBatchedExactlyAsThePipelineSeesThem() throws Exception {
        Path stills = TestData.root().resolve("drives/stills");
        Assumptions.assumeTrue(Files.isDirectory(stills), stills + " not present (set -Droadseg.data)");
        try (Preprocessor pre = preprocessor();
             CalibrationBatches batches = new CalibrationBatches(stills, pre, 2)) {
            assertTrue(batches.images().size() >= 2);
            FloatBuffer batch = batchBuffer(batches);
            assertTrue(batches.next(batch));
            assertBatchHolds(batch, batches.images().subList(0, 2));
            assertTrue(batches.next(batch));
            assertBatchHolds(batch, batches.images().subList(2, 4));
        }
    }

    @Test
    void batchSizeShrinksToASmallSet() throws Exception {
        writeNoise(dir.resolve("only.png"), 64, 48, 3);
        try (Preprocessor pre = preprocessor();
             CalibrationBatches batches = new CalibrationBatches(dir, pre, 8)) {
            assertEquals(1, batches.batchSize());
            assertEquals(1, batches.batchCount());
        }
    }

    @Test
    void aListFileNamesImagesRelativeToItself() throws Exception {
        Path a = writeNoise(Files.createDirectories(dir.resolve("imgs")).resolve("x.png"), 100, 80, 4);
        Path list = dir.resolve("frames.txt");
        Files.writeString(list, "# calibration frames\n\nimgs/x.png\n");
        assertEquals(List.of(dir.resolve("imgs/x.png")), CalibrationBatches.list(list));
        try (Preprocessor pre = preprocessor();
             CalibrationBatches batches = new CalibrationBatches(list, pre, 1)) {
            assertEquals(dir, batches.folder());
            FloatBuffer batch = batchBuffer(batches);
            assertTrue(batches.next(batch));
            assertBatchHolds(batch, List.of(a));
        }
    }

    @Test
    void anEmptyFolderIsOneLineNamingIt() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("calibration"));
        Files.writeString(empty.resolve("README.md"), "not an image");
        InferenceException e = assertThrows(InferenceException.class, () -> CalibrationBatches.list(empty));
        assertEquals("calibration folder " + empty + ": no .jpg or .png images (INT8 calibration needs "
                + "representative frames)", e.getMessage());
    }

    @Test
    void aMissingFolderIsOneLineNamingIt() {
        Path missing = dir.resolve("nowhere");
        InferenceException e = assertThrows(InferenceException.class, () -> CalibrationBatches.list(missing));
        assertTrue(e.getMessage().startsWith("calibration folder " + missing + ": not found"), e.getMessage());
    }

    @Test
    void aListedImageThatDoesNotExistNamesTheListAndLine() throws IOException {
        Path list = dir.resolve("frames.txt");
        Files.writeString(list, "a.png\n");
        InferenceException e = assertThrows(InferenceException.class, () -> CalibrationBatches.list(list));
        assertEquals("calibration list " + list + " line 1: " + dir.resolve("a.png") + " not found", e.getMessage());
    }

    @Test
    void anUndecodableImageIsOneLineNamingIt() throws Exception {
        writeNoise(dir.resolve("a.png"), 64, 48, 5);
        Path bad = dir.resolve("b.jpg");
        Files.write(bad, new byte[]{(byte) 0xff, (byte) 0xd8, 1, 2, 3, 4, 5});
        try (Preprocessor pre = preprocessor();
             CalibrationBatches batches = new CalibrationBatches(dir, pre, 2)) {
            InferenceException e = assertThrows(InferenceException.class, () -> batches.next(batchBuffer(batches)));
            assertEquals("calibration image " + bad + ": cannot be decoded as an image (jpg or png expected)",
                    e.getMessage());
        }
    }

    @Test
    void theFingerprintFollowsTheImagesAndNamesTheTableFile() throws Exception {
        Path a = writeNoise(dir.resolve("a.png"), 64, 48, 6);
        String sha = PlanCacheKeyTest.SHA;
        try (Preprocessor pre = preprocessor()) {
            String first;
            try (CalibrationBatches batches = new CalibrationBatches(dir, pre, 1)) {
                first = batches.fingerprint();
                assertEquals(first, batches.fingerprint());
                assertEquals(dir.resolve("roadseg-" + sha.substring(0, 12) + "-" + first.substring(0, 12) + ".calib"),
                        batches.tableFile("roadseg", sha, first));
            }
            writeNoise(a, 64, 48, 7);
            try (CalibrationBatches batches = new CalibrationBatches(dir, pre, 1)) {
                assertNotEquals(first, batches.fingerprint(), "an altered image changes the fingerprint");
            }
        }
    }

    @Test
    void largeSetsAreThinnedEvenly() throws Exception {
        Path many = Files.createDirectories(dir.resolve("many"));
        Random r = new Random(1);
        for (int i = 0; i < CalibrationBatches.MAX_IMAGES + 100; i++) {
            Files.write(many.resolve(String.format("f%04d.png", i)), new byte[]{(byte) r.nextInt()});
        }
        List<Path> picked = CalibrationBatches.list(many);
        assertEquals(CalibrationBatches.MAX_IMAGES, picked.size());
        assertEquals(many.resolve("f0000.png"), picked.get(0));
        assertTrue(picked.get(picked.size() - 1).getFileName().toString().compareTo("f0600.png") > 0);
    }

    @Test
    void aModelWithItsBatchFixedAtOneIsCalibratedInBatchesOfOne() {
        org.junit.jupiter.api.Assertions.assertEquals(1, TensorRtPlans.calibrationBatch(1));
        org.junit.jupiter.api.Assertions.assertEquals(4, TensorRtPlans.calibrationBatch(4));
        org.junit.jupiter.api.Assertions.assertEquals(TensorRtPlans.CALIBRATION_BATCH, TensorRtPlans.calibrationBatch(-1));
    }
}
