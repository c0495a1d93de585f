package io.roadseg.engine;

import io.roadseg.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flip averaging on a real (random-weight) roadseg model through ONNX Runtime: the wrapper's output is the two
 * plain runs' average, and a mirrored frame gives the mirrored output.
 */
class FlipAveragingEngineTest {
    @TempDir
    Path dir;

    private static FloatBuffer buffer(float... values) {
        FloatBuffer b = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        b.put(values).clear();
        return b;
    }

    private static float[] array(FloatBuffer b) {
        float[] a = new float[b.capacity()];
        b.get(0, a);
        return a;
    }

    @Test
    void rowsAreMirroredAndAveragedPlaneByPlane() {
        // two planes of 2 rows x 3
        FloatBuffer src = buffer(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        FloatBuffer dst = buffer(new float[12]);
        FlipAveragingEngine.mirror(src, dst, 2, 2, 3);
        assertArrayEquals(new float[]{3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10}, array(dst));
        FloatBuffer out = buffer(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        FloatBuffer mirrored = buffer(30, 20, 10, 60, 50, 40, 90, 80, 70, 120, 110, 100);
        FlipAveragingEngine.averageMirrored(out, mirrored, 2, 2, 3);
        assertArrayEquals(new float[]{5.5f, 11, 16.5f, 22, 27.5f, 33, 38.5f, 44, 49.5f, 55, 60.5f, 66}, array(out));
    }

    @Test
    void theOutputIsTheAverageOfTheFrameAndItsMirrorImage() throws Exception {
        Path model = TestData.smallModel(dir);
        try (InferenceEngine plain = InferenceEngines.open("cpu", model, new EngineOptions(1), l -> { });
             InferenceEngine flip = InferenceEngines.open("cpu", model, new EngineOptions(1).withFlipAverage(true),
                     l -> { });
             TensorBinding a = plain.allocate();
             TensorBinding b = plain.allocate();
             TensorBinding f = flip.allocate();
             TensorBinding g = flip.allocate()) {
            assertTrue(flip.describe().endsWith("flip-averaged (each frame run as it is and mirrored, outputs "
                    + "averaged)"), flip.describe());
            ModelInfo m = plain.model();
            int w = m.inputWidth();
            int h = m.inputHeight();
            int c = m.classCount();
            Random random = new Random(7);
            for (int i = 0; i < 3 * h * w; i++) {
                float v = (float) random.nextGaussian();
                a.input.put(i, v);
                f.input.put(i, v);
            }
            FlipAveragingEngine.mirror(a.input, b.input, 3, h, w);
            FlipAveragingEngine.mirror(a.input, g.input, 3, h, w);
            plain.infer(a);
            plain.infer(b);
            assertTrue(flip.infer(f) > 0);
            flip.infer(g);
            float[] logits = array(f.logits);
            float[] depth = array(f.depth);
            float[] logitsOfMirror = array(g.logits);
            float[] depthOfMirror = array(g.depth);
            float maxDiff = 0;
            for (int p = 0; p < c; p++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int i = (p * h + y) * w + x;
                        int j = (p * h + y) * w + (w - 1 - x);
                        float expected = 0.5f * (a.logits.get(i) + b.logits.get(j));
                        maxDiff = Math.max(maxDiff, Math.abs(logits[i] - expected));
                        // the mirrored frame's average is this one's mirror image
                        assertEquals(logits[i], logitsOfMirror[j], 1e-5f, "logit " + p + "," + y + "," + x);
                    }
                }
            }
            assertTrue(maxDiff < 1e-5f, "logits against the two plain runs: " + maxDiff);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    int j = y * w + (w - 1 - x);
                    assertEquals(0.5f * (a.depth.get(i) + b.depth.get(j)), depth[i], 1e-5f, "depth " + y + "," + x);
                    assertEquals(depth[i], depthOfMirror[j], 1e-5f, "mirrored depth " + y + "," + x);
                }
            }
            // not a no-op: the network is not mirror-symmetric, so the average differs from the plain run
            float changed = 0;
            for (int i = 0; i < logits.length; i++) {
                changed = Math.max(changed, Math.abs(logits[i] - a.logits.get(i)));
            }
            assertTrue(changed > 1e-3f, "flip averaging changed nothing: " + changed);
        }
    }
}
