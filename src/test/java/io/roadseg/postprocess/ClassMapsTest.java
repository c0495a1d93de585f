package io.roadseg.postprocess;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Class-id maps from model outputs: argmax of logits, narrowing of model-written ids, per-class pixel counts. */
class ClassMapsTest {
    @Test
    void argmaxPicksTheHighestLogitAndBreaksTiesTowardsTheLowerId() {
        // 3 classes, 4 pixels; planes [C][pixels]
        FloatBuffer logits = FloatBuffer.wrap(new float[]{
                1, 0, 5, 2,
                3, 0, 1, 2,
                2, 0, 9, 1});
        ByteBuffer out = ByteBuffer.allocate(4);
        ClassMaps.argmax(logits, 3, 4, out);
        assertEquals(1, out.get(0));
        assertEquals(0, out.get(1));
        assertEquals(2, out.get(2));
        assertEquals(0, out.get(3));
    }

    @Test
    void narrowMapsOutOfRangeIdsToVoid() {
        ByteBuffer ids = ByteBuffer.allocate(3 * 8).order(ByteOrder.LITTLE_ENDIAN);
        ids.putLong(0, 3).putLong(8, 42).putLong(16, -1);
        ByteBuffer out = ByteBuffer.allocate(3);
        ClassMaps.narrow(ids, 8, 3, 11, 11, out);
        assertEquals(3, out.get(0));
        assertEquals(11, out.get(1));
        assertEquals(11, out.get(2));
    }

    @Test
    void histogramCountsEachClass() {
        ByteBuffer ids = ByteBuffer.wrap(new byte[]{0, 1, 1, 2, 2, 2, (byte) 200});
        int[] counts = new int[3];
        ClassMaps.histogram(ids, 7, counts);
        assertEquals(1, counts[0]);
        assertEquals(2, counts[1]);
        assertEquals(3, counts[2]);
    }

    @Test
    void narrowReadsThirtyTwoBitAndEightBitIdsToo() {
        ByteBuffer ints = ByteBuffer.allocate(3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        ints.putInt(0, 10).putInt(4, 11).putInt(8, Integer.MIN_VALUE);
        ByteBuffer out = ByteBuffer.allocate(3);
        ClassMaps.narrow(ints, 4, 3, 11, 255, out);
        assertEquals(10, out.get(0) & 0xff);
        assertEquals(255, out.get(1) & 0xff, "id == classes is out of range");
        assertEquals(255, out.get(2) & 0xff);

        ByteBuffer bytes = ByteBuffer.wrap(new byte[]{0, 7, (byte) 200});
        ClassMaps.narrow(bytes, 1, 3, 11, 11, out);
        assertEquals(0, out.get(0));
        assertEquals(7, out.get(1));
        assertEquals(11, out.get(2), "an unsigned byte id of 200 is out of range");
    }

    @Test
    void histogramClearsThePreviousCounts() {
        int[] counts = {5, 5};
        ClassMaps.histogram(ByteBuffer.wrap(new byte[]{1}), 1, counts);
        assertEquals(0, counts[0]);
        assertEquals(1, counts[1]);
    }

    /** The exact softmax probability of the highest logit of pixel {@code i}, in double. */
    private static double exactTop(FloatBuffer logits, int classes, int pixels, int i, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            max = Math.max(max, logits.get(c * pixels + i));
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp((logits.get(c * pixels + i) - max) / t);
        }
        return 1 / sum;
    }

    @Test
    void confidenceIsTheSoftmaxProbabilityOfTheChosenClassWithinAByteStep() {
        // 11 classes, 3000 pixels (several blocks and a partial one), logits from near-ties to far apart
        int classes = 11;
        int pixels = 3000;
        SplittableRandom random = new SplittableRandom(7);
        FloatBuffer logits = FloatBuffer.allocate(classes * pixels);
        for (int i = 0; i < pixels; i++) {
            double spread = 0.05 + 8 * random.nextDouble() * random.nextDouble();
            for (int c = 0; c < classes; c++) {
                logits.put(c * pixels + i, (float) (3 + random.nextGaussian() * spread));
            }
        }
        ByteBuffer ids = ByteBuffer.allocate(pixels);
        ByteBuffer plain = ByteBuffer.allocate(pixels);
        ByteBuffer confidence = ByteBuffer.allocate(pixels);
        for (float t : new float[]{1f, 1.65f}) {
            ClassMaps.argmax(logits, classes, pixels, t, ids, confidence);
            ClassMaps.argmax(logits, classes, pixels, plain);
            double worst = 0;
            double lowest = 1;
            for (int i = 0; i < pixels; i++) {
                assertEquals(plain.get(i), ids.get(i), "the same argmax, pixel " + i);
                double p = ClassMaps.probability(confidence.get(i));
                worst = Math.max(worst, Math.abs(p - exactTop(logits, classes, pixels, i, t)));
                lowest = Math.min(lowest, p);
            }
            // the table's error (≤ 0.0035) plus the byte's rounding (≤ 0.002)
            assertTrue(worst <= 0.0055, "worst error " + worst + " at T " + t);
            assertTrue(lowest >= 1.0 / classes - 0.004 && lowest < 0.3, "near-ties reach the floor 1/11: " + lowest);
        }
    }

    @Test
    void confidenceOfCertainAndTiedPixelsAndTheTemperature() {
        // 2 classes, 3 pixels: far apart, tied, a margin of 1
        FloatBuffer logits = FloatBuffer.wrap(new float[]{
                30, 2, 1,
                0, 2, 0});
        ByteBuffer ids = ByteBuffer.allocate(3);
        ByteBuffer confidence = ByteBuffer.allocate(3);
        ClassMaps.argmax(logits, 2, 3, 1f, ids, confidence);
        assertEquals(255, confidence.get(0) & 0xff, "certain");
        assertEquals(128, confidence.get(1) & 0xff, "a tie: one half");
        assertEquals(0, ids.get(1), "ties go to the lower id");
        // within a byte step: the table's half step is 0.8 % of the other class's term
        assertEquals(255 / (1 + Math.exp(-1)), confidence.get(2) & 0xff, 1.0, "sigmoid(1) = 0.731");
        ClassMaps.argmax(logits, 2, 3, 2f, ids, confidence);
        assertEquals(255 / (1 + Math.exp(-0.5)), confidence.get(2) & 0xff, 1.0, "a higher temperature "
                + "softens: sigmoid(1/2) = 0.622");
        assertEquals(1, ClassMaps.uncertainPixels(ByteBuffer.wrap(new byte[]{(byte) 127, (byte) 128, (byte) 255}), 3),
                "under one half: 127/255, not 128/255");
        assertEquals(0.5f, ClassMaps.meanProbability(ByteBuffer.wrap(new byte[]{0, (byte) 255}), 2), 1e-6);
    }

    @Test
    void theArgmaxWithConfidenceAllocatesNothingOnceWarm() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter here");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        int classes = 11;
        int pixels = 544 * 304;
        FloatBuffer logits = ByteBuffer.allocateDirect(4 * classes * pixels).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        ByteBuffer ids = ByteBuffer.allocateDirect(pixels);
        ByteBuffer confidence = ByteBuffer.allocateDirect(pixels);
        ClassMaps.argmax(logits, classes, pixels, 1.65f, ids, confidence); // the thread's scratch, once
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        for (int k = 0; k < 5; k++) {
            ClassMaps.argmax(logits, classes, pixels, 1.65f, ids, confidence);
            ClassMaps.uncertainPixels(confidence, pixels);
            ClassMaps.meanProbability(confidence, pixels);
        }
        long bytes = mx.getThreadAllocatedBytes(id) - before;
        assertTrue(bytes < 1024, bytes + " bytes allocated over 5 frames");
    }
}
