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
}
