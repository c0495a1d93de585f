package io.roadseg.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Lovász-softmax loss against IoU computed by hand, and that its gradient lowers it. */
class LovaszSoftmaxTest {
    private static final int C = 4;
    private static final int VOID = C;

    /** Logits that make a hard prediction: 40 for the predicted class, 0 for the others (softmax 1 − 1e-17). */
    private static float[] hardLogits(int[] predicted, int b, int h, int w) {
        float[] logits = new float[b * C * h * w];
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < h * w; p++) {
                logits[(i * C + predicted[i * h * w + p]) * h * w + p] = 40f;
            }
        }
        return logits;
    }

    /** Mean over the classes present in the (non-void) truth of 1 − TP / (TP + FP + FN), void pixels ignored. */
    private static double oneMinusMeanIou(int[] predicted, long[] truth) {
        long[] tp = new long[C];
        long[] fp = new long[C];
        long[] fn = new long[C];
        boolean[] present = new boolean[C];
        for (int p = 0; p < truth.length; p++) {
            int t = (int) truth[p];
            if (t == VOID) {
                continue;
            }
            present[t] = true;
            if (predicted[p] == t) {
                tp[t]++;
            } else {
                fn[t]++;
                fp[predicted[p]]++;
            }
        }
        double sum = 0;
        int n = 0;
        for (int c = 0; c < C; c++) {
            if (present[c]) {
                sum += 1 - tp[c] / (double) (tp[c] + fp[c] + fn[c]);
                n++;
            }
        }
        return sum / n;
    }

    private static double loss(float[] logits, long[] truth, int b, int h, int w) {
        try (PointerScope scope = new PointerScope()) {
            return LovaszSoftmax.loss(Tensor.create(logits, b, C, h, w), Tensor.create(truth, b, h, w), C, VOID)
                    .item_float();
        }
    }

    @Test
    void onAHardPredictionItIsOneMinusTheMeanIouOfThePresentClasses() {
        int b = 2;
        int h = 5;
        int w = 7;
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 5; trial++) {
            long[] truth = new long[b * h * w];
            int[] predicted = new int[truth.length];
            for (int p = 0; p < truth.length; p++) {
                // class 3 never in the truth (not present: not averaged) but predicted; some void
                truth[p] = random.nextInt(10) == 0 ? VOID : random.nextInt(C - 1);
                predicted[p] = random.nextInt(3) == 0 ? random.nextInt(C) : (int) Math.min(truth[p], C - 1);
            }
            double expected = oneMinusMeanIou(predicted, truth);
            assertTrue(expected > 0.1 && expected < 0.9, "a mixed case: " + expected);
            assertEquals(expected, loss(hardLogits(predicted, b, h, w), truth, b, h, w), 1e-5);
        }
    }

    @Test
    void aPerfectPredictionCostsNothingAndAnAllVoidBatchToo() {
        long[] truth = {0, 1, 2, 3, 3, 2, VOID, 0};
        int[] predicted = {0, 1, 2, 3, 3, 2, 1, 0};
        assertEquals(0.0, loss(hardLogits(predicted, 1, 2, 4), truth, 1, 2, 4), 1e-6);
        long[] allVoid = {VOID, VOID, VOID, VOID};
        assertEquals(0.0, loss(new float[C * 4], allVoid, 1, 2, 2), 0.0);
    }

    @Test
    void itsGradientLowersIt() {
        int h = 6;
        int w = 6;
        SplittableRandom random = new SplittableRandom(5);
        float[] logits = new float[C * h * w];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        long[] truth = new long[h * w];
        for (int p = 0; p < truth.length; p++) {
            truth[p] = p / 9;   // four horizontal bands
        }
        double before = loss(logits, truth, 1, h, w);
        float[] stepped = logits;
        for (int step = 0; step < 25; step++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor x = Tensor.create(stepped, 1, C, h, w);
                x.set_requires_grad(true);
                LovaszSoftmax.loss(x, Tensor.create(truth, 1, h, w), C, VOID).backward();
                Tensor next = x.detach().sub(x.grad().mul(new org.bytedeco.pytorch.Scalar(50.0))).contiguous();
                stepped = new float[logits.length];
                next.data_ptr_float().get(stepped);
            }
        }
        double after = loss(stepped, truth, 1, h, w);
        assertTrue(before > 0.6 && after < 0.2, "loss " + before + " → " + after + " after 25 gradient steps");
    }
}
