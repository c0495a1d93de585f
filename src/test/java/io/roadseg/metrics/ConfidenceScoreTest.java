package io.roadseg.metrics;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calibration figures from hand-made maps whose answers are known. */
class ConfidenceScoreTest {
    /** {@code n} pixels at confidence byte {@code q}, of which {@code right} are right (truth 0, else 1). */
    private static void add(ConfidenceScore s, int q, int n, int right) {
        ByteBuffer predicted = ByteBuffer.allocate(n);
        ByteBuffer confidence = ByteBuffer.allocate(n);
        ByteBuffer truth = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            confidence.put(i, (byte) q);
            truth.put(i, (byte) (i < right ? 0 : 1));
        }
        s.add(predicted, confidence, truth, n, 11);
    }

    @Test
    void aCalibratedModelHasNoCalibrationError() {
        ConfidenceScore s = new ConfidenceScore();
        add(s, 255, 100, 100); // p 1.0, all right
        add(s, 153, 100, 60);  // p 0.6, 60 % right
        assertEquals(200, s.pixels());
        assertEquals(0.8, s.accuracy(), 1e-12);
        assertEquals(0.8, s.meanConfidence(), 1e-12);
        assertEquals(0, s.ece(), 1e-12);
    }

    @Test
    void anOverconfidentModelsErrorIsTheGapWeightedByShare() {
        ConfidenceScore s = new ConfidenceScore();
        add(s, 255, 300, 210); // p 1.0, 70 % right: gap 0.3 over 3/4 of the pixels
        add(s, 51, 100, 20);   // p 0.2, 20 % right: no gap
        assertEquals(0.75 * 0.3, s.ece(), 1e-12);
        assertEquals(0.25, s.shareBelow(0.5), 1e-12);
        assertEquals(0.2, s.accuracy(0.5, true), 1e-12);
        assertEquals(0.7, s.accuracy(0.5, false), 1e-12);
        assertEquals(80.0 / (80 + 90), s.errorsBelow(0.5), 1e-12, "80 of the 170 wrong pixels are under 0.5");
        assertTrue(s.table(0.5).contains("ECE 0.2250"), s.table(0.5));
    }

    @Test
    void voidPixelsAreNotCountedAndSumsAddBack() {
        ConfidenceScore s = new ConfidenceScore();
        s.add(ByteBuffer.wrap(new byte[]{0, 0}), ByteBuffer.wrap(new byte[]{(byte) 200, (byte) 200}),
                ByteBuffer.wrap(new byte[]{0, 11}), 2, 11);
        assertEquals(1, s.pixels(), "truth id 11 is void");
        ConfidenceScore copy = new ConfidenceScore();
        copy.addSums(s.sums());
        assertArrayEquals(s.sums(), copy.sums());
        assertThrows(IllegalArgumentException.class, () -> copy.addSums(new long[3]));
        assertTrue(Double.isNaN(new ConfidenceScore().ece()));
    }
}
