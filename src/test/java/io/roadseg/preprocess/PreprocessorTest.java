package io.roadseg.preprocess;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resize to the model's size, normalise each byte as (v/255 - mean)/std, lay out channel-planar in model order. */
class PreprocessorTest {
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};
    private static final int W = 4;
    private static final int H = 3;

    /** Packed BGR of W x H, all zeros except pixel (x=1, y=2) = B 10, G 20, R 30. */
    private static ByteBuffer oneKnownPixel() {
        ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
        int p = (2 * W + 1) * 3;
        bgr.put(p, (byte) 10).put(p + 1, (byte) 20).put(p + 2, (byte) 30);
        return bgr;
    }

    private static float norm(int v, int c) {
        return (v / 255f - MEAN[c]) / STD[c];
    }

    @Test
    void rgbModelsGetRedGreenBluePlanesNormalised() {
        FloatBuffer tensor = FloatBuffer.allocate(3 * W * H);
        try (Preprocessor p = new Preprocessor(W, H, MEAN, STD, true, true)) {
            p.toTensor(oneKnownPixel(), tensor);
        }
        int i = 2 * W + 1;
        int hw = W * H;
        assertEquals(norm(30, 0), tensor.get(i), 1e-6, "plane 0 is red");
        assertEquals(norm(20, 1), tensor.get(hw + i), 1e-6, "plane 1 is green");
        assertEquals(norm(10, 2), tensor.get(2 * hw + i), 1e-6, "plane 2 is blue");
        assertEquals(norm(0, 0), tensor.get(0), 1e-6, "a black pixel is -mean/std");
        assertEquals(norm(0, 2), tensor.get(2 * hw + hw - 1), 1e-6);
    }

    @Test
    void bgrModelsGetBlueGreenRedPlanesNormalised() {
        FloatBuffer tensor = FloatBuffer.allocate(3 * W * H);
        try (Preprocessor p = new Preprocessor(W, H, MEAN, STD, false, true)) {
            p.toTensor(oneKnownPixel(), tensor);
        }
        int i = 2 * W + 1;
        int hw = W * H;
        assertEquals(norm(10, 0), tensor.get(i), 1e-6, "plane 0 is blue");
        assertEquals(norm(20, 1), tensor.get(hw + i), 1e-6);
        assertEquals(norm(30, 2), tensor.get(2 * hw + i), 1e-6, "plane 2 is red");
    }

    @Test
    void fullScaleBytesAreReadUnsigned() {
        ByteBuffer white = ByteBuffer.allocateDirect(W * H * 3);
        for (int i = 0; i < W * H * 3; i++) {
            white.put(i, (byte) 255);
        }
        FloatBuffer tensor = FloatBuffer.allocate(3 * W * H);
        try (Preprocessor p = new Preprocessor(W, H, MEAN, STD, true, false)) {
            p.toTensor(white, tensor);
        }
        assertEquals((1 - MEAN[0]) / STD[0], tensor.get(0), 1e-6);
        assertTrue(tensor.get(0) > 0);
    }

    @Test
    void aLargerFrameIsResizedToTheModelSize() {
        // 64x48: left half blue (255,0,0 in BGR), right half red; the model takes 32x24.
        try (Mat frame = new Mat(48, 64, CV_8UC3, new Scalar(0, 0, 0, 0));
             Mat left = frame.apply(new Rect(0, 0, 32, 48));
             Mat right = frame.apply(new Rect(32, 0, 32, 48));
             Mat model = new Mat(24, 32, CV_8UC3);
             Preprocessor p = new Preprocessor(32, 24, MEAN, STD, true, true)) {
            left.put(new Scalar(255, 0, 0, 0));
            right.put(new Scalar(0, 0, 255, 0));
            p.resizeToModel(frame, model);
            assertEquals(32, model.cols());
            assertEquals(24, model.rows());
            ByteBuffer px = model.data().capacity(32 * 24 * 3).asByteBuffer();
            int leftPixel = (12 * 32 + 3) * 3;
            int rightPixel = (12 * 32 + 28) * 3;
            assertEquals(255, px.get(leftPixel) & 0xff, "left stays blue");
            assertEquals(0, px.get(leftPixel + 2) & 0xff);
            assertEquals(255, px.get(rightPixel + 2) & 0xff, "right stays red");
            assertEquals(0, px.get(rightPixel) & 0xff);
        }
    }

    @Test
    void aFrameOfTheModelSizeIsCopiedUnchanged() {
        try (Mat frame = new Mat(H, W, CV_8UC3, new Scalar(1, 2, 3, 0));
             Mat model = new Mat(H, W, CV_8UC3);
             Preprocessor p = new Preprocessor(W, H, MEAN, STD, true, true)) {
            p.resizeToModel(frame, model);
            ByteBuffer px = model.data().capacity(W * H * 3).asByteBuffer();
            for (int i = 0; i < W * H * 3; i += 3) {
                assertEquals(1, px.get(i));
                assertEquals(2, px.get(i + 1));
                assertEquals(3, px.get(i + 2));
            }
        }
    }

    @Test
    void aNonPositiveModelSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Preprocessor(0, 24, MEAN, STD, true, true));
        assertTrue(e.getMessage().contains("0x24"), e.getMessage());
    }

    /** A model of 100 x 10 pixels (RGB, the means above) that asks for contrast normalisation {@code setting}. */
    private static io.roadseg.engine.ModelInfo model(String setting) {
        java.util.Map<String, String> meta = new java.util.HashMap<>();
        if (setting != null) {
            meta.put(io.roadseg.model.ModelContract.AUTO_CONTRAST, setting);
        }
        return new io.roadseg.engine.ModelInfo(java.nio.file.Path.of("m.onnx"), 100, 10, java.util.List.of("a", "b"),
                new int[] {0, 0}, 2, MEAN, STD, true, io.roadseg.engine.SegmentationOutput.LOGITS, 80f, Double.NaN,
                "test", meta);
    }

    /** 100 x 10 packed BGR whose grey values rise from {@code from} by {@code step} per column. */
    private static ByteBuffer ramp(int from, double step) {
        ByteBuffer bgr = ByteBuffer.allocateDirect(100 * 10 * 3);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 100; x++) {
                byte v = (byte) (int) Math.round(from + step * x);
                int p = 3 * (y * 100 + x);
                bgr.put(p, v).put(p + 1, v).put(p + 2, v);
            }
        }
        return bgr;
    }

    @Test
    void aDimFrameIsStretchedToFullRangeAtMostByTheGain() {
        // grey 100..199: its 1 % quantiles are 101 and 198, stretched by 255/97 = 2.63 (under the gain of 3)
        FloatBuffer plain = FloatBuffer.allocate(3 * 1000);
        FloatBuffer stretched = FloatBuffer.allocate(3 * 1000);
        try (Preprocessor p = new Preprocessor(model(null));
             Preprocessor q = new Preprocessor(model("0.01,3"))) {
            p.toTensor(ramp(100, 1), plain);
            q.toTensor(ramp(100, 1), stretched);
        }
        assertEquals(norm(100, 0), plain.get(0), 1e-6f, "no setting: as before");
        assertEquals(norm(0, 0), stretched.get(0), 1e-6f, "under the low quantile: 0");
        assertEquals(norm(255, 0), stretched.get(99), 1e-6f, "over the high quantile: 255");
        assertEquals(norm(Math.round((150 - 101) * 255f / 97), 0), stretched.get(50), 1e-6f, "linear between");

        // a darker frame, grey 20..69: 255/47 would be 5.4, held at the gain of 3
        try (Preprocessor q = new Preprocessor(model("0.01,3"))) {
            q.toTensor(ramp(20, 0.5), stretched);
        }
        // columns 40 and 60 are 10 grey levels apart (40 and 50): 30 apart once stretched
        assertEquals(30 / 255f / STD[0], stretched.get(60) - stretched.get(40), 1e-5f, "gain held at 3");
    }

    @Test
    void aFullRangeFrameIsLeftAsItIs() {
        FloatBuffer plain = FloatBuffer.allocate(3 * 1000);
        FloatBuffer normalised = FloatBuffer.allocate(3 * 1000);
        try (Preprocessor p = new Preprocessor(model(null));
             Preprocessor q = new Preprocessor(model("0.005,3"))) {
            p.toTensor(ramp(0, 2.58), plain); // 0..255
            q.toTensor(ramp(0, 2.58), normalised);
        }
        for (int i = 0; i < 3000; i++) {
            assertEquals(plain.get(i), normalised.get(i), "value " + i);
        }
    }

    @Test
    void theNormalisationAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean,
                "no per-thread allocation counter here");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        FloatBuffer tensor = FloatBuffer.allocate(3 * 1000);
        ByteBuffer frame = ramp(100, 1);
        try (Preprocessor q = new Preprocessor(model("0.01,3"))) {
            q.toTensor(frame, tensor);
            long id = Thread.currentThread().getId();
            long before = mx.getThreadAllocatedBytes(id);
            for (int k = 0; k < 20; k++) {
                q.toTensor(frame, tensor);
            }
            long bytes = mx.getThreadAllocatedBytes(id) - before;
            assertTrue(bytes < 256, bytes + " bytes over 20 frames");
        }
    }
}
