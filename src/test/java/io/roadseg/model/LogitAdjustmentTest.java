package io.roadseg.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The logit adjustment moves every segmentation logit of class k by exactly {@code −τ·ln w_k} (the head's bias is
 * the last additive term, and bilinear upsampling keeps a constant offset), leaves depth alone, and refuses bad
 * input.
 */
class LogitAdjustmentTest {
    private static final float[] WEIGHTS = {4.6f, 3.1f, 9.7f, 2.9f, 6.6f, 5.6f, 9.6f, 8.9f, 7.2f, 9.8f, 9.7f};

    @Test
    void everyLogitOfAClassMovesByTauTimesTheLogOfItsWeight() {
        FcnArchitecture arch = FcnArchitecture.defaults().withInputSize(48, 64);
        FcnWeights weights = FcnWeights.random(arch, 5);
        double tau = 0.5;
        FcnWeights adjusted = LogitAdjustment.apply(weights, WEIGHTS, tau);
        float[] image = new float[3 * 48 * 64];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) r.nextGaussian();
        }
        ReferenceForward.Outputs before = new ReferenceForward(weights).run(image, 1);
        ReferenceForward.Outputs after = new ReferenceForward(adjusted).run(image, 1);
        int pixels = 48 * 64;
        for (int k = 0; k < WEIGHTS.length; k++) {
            double shift = -tau * Math.log(WEIGHTS[k]);
            for (int p = 0; p < pixels; p += 97) {
                int i = k * pixels + p;
                assertEquals(before.segLogits()[i] + shift, after.segLogits()[i], 1e-4, "class " + k + " pixel " + p);
            }
        }
        for (int p = 0; p < pixels; p++) {
            assertEquals(before.depth()[p], after.depth()[p], 0f);
        }
        assertEquals(weights, LogitAdjustment.apply(weights, WEIGHTS, 0));
    }

    @Test
    void badWeightsAndTausAreRefusedNamingTheProblem() {
        FcnWeights weights = FcnWeights.random(FcnArchitecture.defaults().withInputSize(32, 32), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LogitAdjustment.apply(weights, new float[] {1, 2, 3}, 0.5));
        assertEquals("logit adjustment: 3 class weights for a head of 11 classes", e.getMessage());
        float[] negative = WEIGHTS.clone();
        negative[4] = -1;
        e = assertThrows(IllegalArgumentException.class, () -> LogitAdjustment.apply(weights, negative, 0.5));
        assertTrue(e.getMessage().contains("class 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LogitAdjustment.apply(weights, WEIGHTS, 1.5));
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LogitAdjustment.parseWeights("1.0,x,2"));
        assertEquals("class weights: 'x' is not a number", e.getMessage());
        float[] parsed = LogitAdjustment.parseWeights(LogitAdjustment.formatWeights(WEIGHTS));
        assertEquals(WEIGHTS.length, parsed.length);
        for (int k = 0; k < WEIGHTS.length; k++) {
            assertEquals(WEIGHTS[k], parsed[k], 0f);
        }
    }
}
