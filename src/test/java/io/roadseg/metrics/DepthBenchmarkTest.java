package io.roadseg.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The standard depth errors on hand-made maps whose errors are known in closed form. */
class DepthBenchmarkTest {
    private static final double EPS = 1e-9;

    @Test
    void aPerfectPredictionHasNoErrorAndScaleOne() {
        DepthBenchmark b = new DepthBenchmark(80);
        float[] truth = {2, 4, 8, 16, 32};
        assertEquals(5, b.addFrame(truth.clone(), truth, 5));
        DepthBenchmark.Errors e = b.metric();
        assertEquals(0, e.absRel(), EPS);
        assertEquals(0, e.sqRel(), EPS);
        assertEquals(0, e.rmse(), EPS);
        assertEquals(0, e.rmseLog(), EPS);
        assertEquals(1, e.delta1(), EPS);
        assertEquals(1, b.scaleMean(), EPS);
        assertEquals(0, b.scaleRelativeSpread(), EPS);
    }

    @Test
    void aPredictionTwiceTooFarHasKnownErrorsAndIsFixedByMedianScaling() {
        DepthBenchmark b = new DepthBenchmark(80);
        float[] truth = {1, 2, 3, 4};
        float[] predicted = {2, 4, 6, 8};
        b.addFrame(predicted, truth, 4);
        DepthBenchmark.Errors e = b.metric();
        assertEquals(1.0, e.absRel(), 1e-6);                          // |2t − t| / t
        assertEquals((1 + 2 + 3 + 4) / 4.0, e.sqRel(), 1e-6);         // t² / t = t
        assertEquals(Math.sqrt((1 + 4 + 9 + 16) / 4.0), e.rmse(), 1e-6);
        assertEquals(Math.log(2), e.rmseLog(), 1e-6);
        assertEquals(0, e.delta1(), EPS);                              // ratio 2 ≥ 1.25, 1.5625, 1.953
        assertEquals(0, e.delta3(), EPS);
        assertEquals(0.5, b.scaleMean(), 1e-6);
        assertEquals(0, b.medianScaled().absRel(), 1e-6);
        assertEquals(1, b.medianScaled().delta1(), EPS);
    }

    @Test
    void theConstantBaselinePredictsEachFramesMedianTruth() {
        DepthBenchmark b = new DepthBenchmark(80);
        float[] truth = {5, 10, 20};
        b.addFrame(new float[] {1, 1, 1}, truth, 3);
        DepthBenchmark.Errors c = b.constantBaseline();
        // median 10 everywhere: |10−5|/5 = 1, 0, |10−20|/20 = 0.5
        assertEquals((1.0 + 0 + 0.5) / 3, c.absRel(), 1e-6);
        assertEquals(1 / 3.0, c.delta1(), 1e-6);
    }

    @Test
    void unknownAndFarTruthIsLeftOutAndPredictionsAreClampedToTheCap() {
        DepthBenchmark b = new DepthBenchmark(80);
        float[] truth = {0, Float.NaN, 100, 40};
        float[] predicted = {5, 5, 5, 1000};
        assertEquals(1, b.addFrame(predicted, truth, 4));
        assertEquals(1.0, b.metric().absRel(), 1e-6); // clamped to 80 against 40
        assertEquals(0, new DepthBenchmark(80).addFrame(predicted, new float[4], 4), "no truth: frame not counted");
    }

    @Test
    void framesAreAveragedNotPixels() {
        DepthBenchmark b = new DepthBenchmark(80);
        b.addFrame(new float[] {10}, new float[] {10}, 1);                     // AbsRel 0 on 1 pixel
        b.addFrame(new float[] {20, 20, 20}, new float[] {10, 10, 10}, 3);     // AbsRel 1 on 3 pixels
        assertEquals(2, b.metric().frames());
        assertEquals(0.5, b.metric().absRel(), 1e-6);
    }
}
