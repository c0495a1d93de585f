package io.roadseg.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FcnWeightsTest {

    private static final FcnArchitecture ARCH = FcnArchitecture.defaults().withInputSize(32, 48);

    @Test
    void sameSeedGivesIdenticalWeights() {
        assertEquals(FcnWeights.random(ARCH, 42), FcnWeights.random(ARCH, 42));
    }

    @Test
    void differentSeedsGiveDifferentWeights() {
        FcnWeights a = FcnWeights.random(ARCH, 1);
        FcnWeights b = FcnWeights.random(ARCH, 2);
        assertNotEquals(a, b);
        for (String name : a.names()) {
            if (!name.endsWith(".slope")) { // PReLU slopes start at 0.25 whatever the seed
                assertNotEquals(a.tensor(name), b.tensor(name), name);
            }
        }
    }

    @Test
    void randomWeightsArePinnedBitForBit() {
        // Recorded once; SplittableRandom + Box–Muller with StrictMath must give these bits on every JVM and machine.
        FcnWeights w = FcnWeights.random(FcnArchitecture.defaults(), 1);
        float[] stem = w.values("enc.stem.weight");
        int[] expectedBits = {0xbc18cdb0, 0xbf2e30ce, 0x3cc39592, 0xbf0d3d46};
        for (int i = 0; i < expectedBits.length; i++) {
            assertEquals(expectedBits[i], Float.floatToRawIntBits(stem[i]), "enc.stem.weight[" + i + "]");
        }
        assertEquals(0x3bde9288, Float.floatToRawIntBits(w.values("depth.head.bias")[0]), "depth.head.bias[0]");
    }

    @Test
    void randomWeightsDoNotDependOnTheInputSize() {
        assertEquals(FcnWeights.random(ARCH, 1).tensors(), FcnWeights.random(ARCH.withInputSize(64, 64), 1).tensors());
    }

    @Test
    void randomConvWeightsAreHeNormal() {
        float[] w = FcnWeights.random(FcnArchitecture.defaults(), 1).values("seg.d8.fuse.weight");
        double expectedStd = Math.sqrt(2.0 / (48 + 96)); // fan-in: the 1/16 projection (48) + skip8 (96)
        double sum = 0;
        double sumSquares = 0;
        for (float v : w) {
            sum += v;
            sumSquares += v * v;
        }
        double mean = sum / w.length;
        double std = Math.sqrt(sumSquares / w.length - mean * mean);
        assertTrue(Math.abs(mean) < 0.1 * expectedStd, "mean " + mean);
        assertTrue(Math.abs(std - expectedStd) < 0.05 * expectedStd, "He-normal std " + expectedStd + ", got " + std);
    }

    @Test
    void randomBiasesAreSmall() {
        FcnWeights w = FcnWeights.random(ARCH, 3);
        for (String name : w.names()) {
            if (name.endsWith(".bias")) {
                for (float v : w.values(name)) {
                    assertTrue(Math.abs(v) <= FcnWeights.RANDOM_BIAS_RANGE, name + " has bias " + v);
                }
            }
        }
    }

    @Test
    void weightsFollowTheArchitecturesParameterOrder() {
        List<String> expected = ARCH.parameters().stream().map(FcnArchitecture.Parameter::name).toList();
        Map<String, FcnWeights.Tensor> reversed = new LinkedHashMap<>();
        FcnWeights w = FcnWeights.random(ARCH, 5);
        for (int i = expected.size() - 1; i >= 0; i--) {
            reversed.put(expected.get(i), w.tensor(expected.get(i)));
        }
        FcnWeights rebuilt = FcnWeights.of(ARCH, reversed);
        assertEquals(expected, rebuilt.names());
        assertEquals(w, rebuilt);
    }

    @Test
    void missingParameterIsNamed() {
        Map<String, FcnWeights.Tensor> tensors = new LinkedHashMap<>(FcnWeights.random(ARCH, 1).tensors());
        tensors.remove("seg.d4.ds.pw.weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FcnWeights.of(ARCH, tensors));
        assertTrue(e.getMessage().contains("parameter seg.d4.ds.pw.weight is missing (expected shape [24, 24, 1, 1])"),
                e.getMessage());
    }

    @Test
    void misShapedParameterIsNamedWithFoundAndExpectedShapes() {
        Map<String, FcnWeights.Tensor> tensors = new LinkedHashMap<>(FcnWeights.random(ARCH, 1).tensors());
        tensors.put("depth.head.weight", new FcnWeights.Tensor(new int[] {2, 32, 1, 1}, new float[64]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FcnWeights.of(ARCH, tensors));
        assertTrue(e.getMessage().contains("parameter depth.head.weight has shape [2, 32, 1, 1], expected [1, 24, 1, 1]"),
                e.getMessage());
    }

    @Test
    void unexpectedParameterIsNamed() {
        Map<String, FcnWeights.Tensor> tensors = new LinkedHashMap<>(FcnWeights.random(ARCH, 1).tensors());
        tensors.put("enc.stem.bn.running_mean", new FcnWeights.Tensor(new int[] {16}, new float[16]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FcnWeights.of(ARCH, tensors));
        assertTrue(e.getMessage().contains("unexpected parameter enc.stem.bn.running_mean"), e.getMessage());
    }

    @Test
    void nonFiniteValueIsNamed() {
        Map<String, FcnWeights.Tensor> tensors = new LinkedHashMap<>(FcnWeights.random(ARCH, 1).tensors());
        float[] bias = new float[16];
        bias[3] = Float.NaN;
        tensors.put("enc.stem.bias", new FcnWeights.Tensor(new int[] {16}, bias));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FcnWeights.of(ARCH, tensors));
        assertTrue(e.getMessage().contains("parameter enc.stem.bias has non-finite value NaN at index 3"),
                e.getMessage());
    }

    @Test
    void foldedBatchNormEqualsConvFollowedByBatchNorm() {
        SplittableRandom random = new SplittableRandom(9);
        int in = 2;
        int out = 3;
        float[] weight = uniform(random, out * in * 3 * 3);
        float[] bias = uniform(random, out);
        float[] gamma = uniform(random, out);
        float[] beta = uniform(random, out);
        float[] mean = uniform(random, out);
        float[] variance = {0.5f, 1.7f, 0.01f};
        float eps = 1e-5f;
        ReferenceForward.Activation x = new ReferenceForward.Activation(1, in, 5, 6, uniform(random, in * 5 * 6));

        ReferenceForward.Activation conv = ReferenceForward.conv(x, weight, bias, out, 3, 1, 1, 1, 1);
        float[] expected = new float[conv.data.length];
        for (int c = 0; c < out; c++) {
            for (int i = 0; i < 5 * 6; i++) {
                int at = c * 5 * 6 + i;
                expected[at] = (float) ((conv.data[at] - mean[c]) / Math.sqrt(variance[c] + eps) * gamma[c] + beta[c]);
            }
        }

        FcnWeights.FoldedConv folded = FcnWeights.foldBatchNorm(new FcnWeights.Tensor(new int[] {out, in, 3, 3},
                weight), bias, gamma, beta, mean, variance, eps);
        assertArrayEquals(new int[] {out, in, 3, 3}, folded.weight().shape());
        ReferenceForward.Activation actual = ReferenceForward.conv(x, folded.weight().values(),
                folded.bias().values(), out, 3, 1, 1, 1, 1);
        assertArrayEquals(expected, actual.data, 1e-4f);
    }

    @Test
    void foldBatchNormWithoutConvBiasTreatsItAsZero() {
        float[] w = {2f};
        FcnWeights.FoldedConv folded = FcnWeights.foldBatchNorm(new FcnWeights.Tensor(new int[] {1, 1, 1, 1}, w),
                null, new float[] {3f}, new float[] {1f}, new float[] {0.5f}, new float[] {4f - 1e-3f}, 1e-3f);
        assertArrayEquals(new float[] {3f}, folded.weight().values(), 1e-6f);        // 2 * 3 / 2
        assertArrayEquals(new float[] {0.25f}, folded.bias().values(), 1e-6f);       // (0 - 0.5) * 3 / 2 + 1
    }

    @Test
    void foldBatchNormRejectsMismatchedLengthsNamingTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FcnWeights.foldBatchNorm(
                new FcnWeights.Tensor(new int[] {2, 1, 1, 1}, new float[2]), null, new float[2], new float[3],
                new float[2], new float[2], 1e-5f));
        assertEquals("fold BatchNorm: beta has length 3, expected 2 (the conv's output channels)", e.getMessage());
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }
}
