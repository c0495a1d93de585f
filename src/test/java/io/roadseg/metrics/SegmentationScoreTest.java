package io.roadseg.metrics;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IoU exactly as defined, on hand-made masks with known overlaps. */
class SegmentationScoreTest {
    @Test
    void iouIsIntersectionOverUnionPerClassAndTheMeanOverClasses() {
        // 10 pixels. truth: 0 0 0 0 1 1 1 1 2 V(void=3)   pred: 0 0 1 1 1 1 1 2 2 0
        ByteBuffer truth = ByteBuffer.wrap(new byte[]{0, 0, 0, 0, 1, 1, 1, 1, 2, 3});
        ByteBuffer pred = ByteBuffer.wrap(new byte[]{0, 0, 1, 1, 1, 1, 1, 2, 2, 0});
        SegmentationScore s = new SegmentationScore(3);
        s.add(pred, truth, 10);
        // class 0: ∩ 2, ∪ 4 (truth 4, pred 2 among evaluated) → 0.5
        assertEquals(0.5, s.iou(0), 1e-12);
        // class 1: truth {4,5,6,7}, pred {2,3,4,5,6} → ∩ 3, ∪ 6 → 0.5
        assertEquals(0.5, s.iou(1), 1e-12);
        // class 2: truth {8}, pred {7,8} → ∩ 1, ∪ 2 → 0.5
        assertEquals(0.5, s.iou(2), 1e-12);
        assertEquals(0.5, s.meanIou(), 1e-12);
        assertEquals(9, s.evaluatedPixels(), "void pixel excluded");
        assertEquals(6.0 / 9, s.pixelAccuracy(), 1e-12);
    }

    @Test
    void aPerfectPredictionScoresOneAndAnAbsentClassIsNotCounted() {
        ByteBuffer truth = ByteBuffer.wrap(new byte[]{0, 1, 1, 0});
        SegmentationScore s = new SegmentationScore(5);
        s.add(truth, truth, 4);
        assertEquals(1.0, s.meanIou(), 1e-12);
        assertTrue(Double.isNaN(s.iou(4)));
    }

    @Test
    void depthErrorsFollowTheirDefinitions() {
        DepthScore d = new DepthScore();
        d.add(FloatBuffer.wrap(new float[]{10, 12, 20, 5}), FloatBuffer.wrap(new float[]{10, 10, 10, 0}), 4);
        assertEquals(3, d.pixels(), "unknown truth (0) excluded");
        assertEquals((0 + 0.2 + 1.0) / 3, d.absRel(), 1e-9);
        assertEquals(Math.sqrt((0 + 4 + 100) / 3.0), d.rmse(), 1e-9);
        assertEquals(2.0 / 3, d.delta1(), 1e-12);
    }

    @Test
    void depthBeyondTheCapIsNotEvaluated() {
        DepthScore d = new DepthScore();
        d.add(FloatBuffer.wrap(new float[]{10, 80, 80}), FloatBuffer.wrap(new float[]{10, 80, 200}), 3, 80f);
        assertEquals(2, d.pixels());
        assertEquals(0, d.absRel(), 1e-12);
    }
}
