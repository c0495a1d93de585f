package io.roadseg.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairedComparisonTest {
    private static final double[] ONES = {1, 1, 1, 1};

    @Test
    void identicalValuesAreLevelWithAnIntervalOfZeroWidth() {
        double[] v = {0.3, 0.5, 0.2, 0.9};
        PairedComparison c = PairedComparison.of(v, v.clone(), ONES, 1000, 1);
        assertEquals(0, c.difference());
        assertEquals(0, c.lower());
        assertEquals(0, c.upper());
        assertEquals(0, c.higher());
        assertEquals(0, c.lowerCount());
        assertEquals("level", c.verdict(true));
    }

    @Test
    void aShiftOnEveryUnitIsCertainAndItsSignDecidesTheVerdict() {
        double[] base = {0.3, 0.5, 0.2, 0.9};
        double[] worse = {0.35, 0.55, 0.25, 0.95};
        PairedComparison c = PairedComparison.of(worse, base, ONES, 1000, 1);
        assertEquals(0.05, c.difference(), 1e-12);
        assertEquals(0.05, c.lower(), 1e-12);
        assertEquals(0.05, c.upper(), 1e-12);
        assertEquals(4, c.higher());
        assertEquals("worse", c.verdict(true));   // an error went up
        assertEquals("better", c.verdict(false)); // a score went up
        PairedComparison back = PairedComparison.of(base, worse, ONES, 1000, 1);
        assertEquals("better", back.verdict(true));
        assertEquals(4, back.lowerCount());
    }

    @Test
    void theDifferenceIsWeightedByTheUnitsWeights() {
        // differences +0.3 (1 frame) and -0.03 (3 frames): (0.3 - 0.09) / 4
        PairedComparison c = PairedComparison.of(new double[]{0.5, 0.17}, new double[]{0.2, 0.2},
                new double[]{1, 3}, 2000, 7);
        assertEquals(0.0525, c.difference(), 1e-12);
        // two units: every draw is (a,a), (a,b), (b,a) or (b,b), so the extremes are each unit's own difference
        assertEquals(-0.03, c.lower(), 1e-12);
        assertEquals(0.3, c.upper(), 1e-12);
        assertEquals("level", c.verdict(true));
    }

    @Test
    void oneLargeUnitDoesNotMakeAChangeCertain() {
        // ten scenes level within ±0.01, one much worse: the mean is up, the interval reaches below 0
        double[] base = new double[11];
        double[] cand = new double[11];
        double[] w = new double[11];
        for (int i = 0; i < 11; i++) {
            base[i] = 0.3;
            cand[i] = 0.3 + (i % 2 == 0 ? -0.01 : 0.01);
            w[i] = 3;
        }
        cand[0] = 1.0;
        PairedComparison c = PairedComparison.of(cand, base, w, 10000, 1);
        assertTrue(c.difference() > 0.05, "mean " + c.difference());
        assertTrue(c.lower() < 0 && c.upper() > 0.1, c.lower() + " .. " + c.upper());
        assertEquals("level", c.verdict(true));
        assertEquals(c, PairedComparison.of(cand, base, w, 10000, 1), "the same seed, the same interval");
    }

    @Test
    void percentilesInterpolateBetweenOrderStatistics() {
        double[] sorted = {0, 1, 2, 3, 4};
        assertEquals(0, PairedComparison.percentile(sorted, 0));
        assertEquals(4, PairedComparison.percentile(sorted, 1));
        assertEquals(2, PairedComparison.percentile(sorted, 0.5));
        assertEquals(0.1, PairedComparison.percentile(sorted, 0.025), 1e-12);
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        double[] v = {1, 2};
        assertThrows(IllegalArgumentException.class, () -> PairedComparison.of(v, new double[]{1}, v, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> PairedComparison.of(new double[0], new double[0],
                new double[0], 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> PairedComparison.of(v, v, new double[]{1, 0}, 1000, 1));
        assertThrows(IllegalArgumentException.class, () -> PairedComparison.of(new double[]{1, Double.NaN}, v, v,
                1000, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairedComparison.of(v, v, v, 10, 1));
        assertTrue(e.getMessage().contains("10 resamples"), e.getMessage());
    }
}
