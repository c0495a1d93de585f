package io.roadseg.metrics;

import io.roadseg.ros.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nearest road user ahead, scored frame by frame against the truth's: measured frames by AbsRel and δ&lt;1.25,
 * the others counted as missed (only the truth saw one) or phantom (only the prediction did); reported in the
 * accuracy table and JSON for the classes seen.
 */
class NearestAheadScoreTest {
    private static final List<String> NAMES = List.of("road", "car", "pedestrian");

    private static NearestAheadScore frames() {
        NearestAheadScore s = new NearestAheadScore(3);
        s.add(1, 10f, 10f);        // exact
        s.add(1, 15f, 10f);        // 50 % far: outside 1.25
        s.add(1, 8.5f, 10f);       // 15 % near: within
        s.add(1, Float.NaN, 20f);  // missed
        s.add(1, 30f, Float.NaN);  // phantom
        s.add(1, Float.NaN, Float.NaN); // nothing ahead: not counted
        s.add(2, Float.NaN, 5f);
        return s;
    }

    @Test
    void measuredFramesAreScoredAndTheRestCounted() {
        NearestAheadScore s = frames();
        assertEquals(3, s.measured(1));
        assertEquals((0 + 0.5 + 0.15) / 3, s.absRel(1), 1e-6);
        assertEquals(2.0 / 3, s.delta1(1), 1e-12);
        assertEquals(1, s.missed(1));
        assertEquals(1, s.phantom(1));
        assertTrue(s.seen(2));
        assertEquals(0, s.measured(2));
        assertTrue(Double.isNaN(s.absRel(2)), "no measured frame: no AbsRel");
        assertFalse(s.seen(0));
    }

    @Test
    void sumsAddUpAcrossScoresAndAreRefusedForAnotherClassCount() {
        NearestAheadScore twice = new NearestAheadScore(3);
        twice.addSums(frames().sums());
        twice.addSums(frames().sums());
        twice.addSums(new double[0]); // a drive scored without them
        assertEquals(6, twice.measured(1));
        assertEquals(frames().absRel(1), twice.absRel(1), 1e-12, "a mean of sums: the same mean");
        assertEquals(2, twice.missed(1));
        assertEquals(2, twice.missed(2));
        assertTrue(twice.any());
        assertFalse(new NearestAheadScore(3).any());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new NearestAheadScore(4).addSums(frames().sums()));
        assertTrue(e.getMessage().contains("3 classes, expected 4"), e.getMessage());
    }

    @Test
    void theReportsListTheClassesSeen() {
        SegmentationScore seg = new SegmentationScore(3);
        seg.add(1, 1);
        String json = AccuracyReport.json(NAMES, seg, null, frames(), null);
        Object doc = Json.parse(json);
        assertEquals(3.0, Json.at(doc, "nearest_ahead", "car", "frames"));
        assertEquals((0 + 0.5 + 0.15) / 3, (Double) Json.at(doc, "nearest_ahead", "car", "abs_rel"), 1e-6);
        assertEquals(1.0, Json.at(doc, "nearest_ahead", "car", "missed"));
        assertEquals(1.0, Json.at(doc, "nearest_ahead", "car", "phantom"));
        assertEquals(null, Json.at(doc, "nearest_ahead", "pedestrian", "abs_rel"));
        assertFalse(Json.object(Json.at(doc, "nearest_ahead")).containsKey("road"), json);
        String table = AccuracyReport.table(NAMES, seg, null, frames(), null);
        assertTrue(table.contains("car                   3   0.2167    66.67        1        1"), table);
        assertTrue(table.contains("pedestrian            0      n/a      n/a        1        0"), table);
        assertFalse(AccuracyReport.json(NAMES, seg, null, null, null).contains("nearest_ahead"), "without a score: as before");
    }
}
