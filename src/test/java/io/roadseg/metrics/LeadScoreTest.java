package io.roadseg.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lead against the truth's, on hand-made frames with known errors; and its place in the accuracy reports. */
class LeadScoreTest {
    private static final float NAN = Float.NaN;
    private static final int CAR = 8;
    private static final int PED = 9;

    /** Six frames: two measured (one of another class), one missed, one phantom, one with neither, one warning pair. */
    private static LeadScore frames() {
        LeadScore s = new LeadScore();
        s.add(CAR, 11f, 4f, 2.75f, CAR, 10f, 5f, 2f);      // AbsRel 0.1, |Δv| 1, both warn
        s.add(PED, 15f, 1f, NAN, CAR, 10f, 3f, 3.3f);      // AbsRel 0.5 (outside 1.25), |Δv| 2, neither warns
        s.add(-1, NAN, NAN, NAN, CAR, 9f, 3f, 3f);         // missed, and a true warning not given
        s.add(CAR, 5f, 2f, 2.5f, -1, NAN, NAN, NAN);       // phantom, and a false warning
        s.add(-1, NAN, NAN, NAN, -1, NAN, NAN, NAN);       // nothing
        s.add(CAR, 20f, NAN, NAN, CAR, 20f, 1f, NAN);      // measured exactly; no predicted speed yet
        return s;
    }

    @Test
    void eachFigureFromKnownErrors() {
        LeadScore s = frames();
        assertEquals(3, s.measured());
        assertEquals(2, s.sameClass());
        assertEquals(1, s.missed());
        assertEquals(1, s.phantom());
        assertEquals((0.1 + 0.5 + 0) / 3, s.absRel(), 1e-6);
        assertEquals(2.0 / 3, s.delta1(), 1e-9);
        assertEquals(2, s.rated());
        assertEquals(1.5, s.closingMae(), 1e-6);
        assertEquals(2, s.truthWarnings());
        assertEquals(1, s.warned());
        assertEquals(1, s.falseWarnings());
        assertTrue(s.any());
    }

    @Test
    void aPerfectPredictionAndAnEmptyScore() {
        LeadScore s = new LeadScore();
        assertFalse(s.any());
        assertTrue(Double.isNaN(s.absRel()) && Double.isNaN(s.closingMae()) && Double.isNaN(s.delta1()));
        for (int i = 0; i < 10; i++) {
            s.add(CAR, 30f - i, 10f, (30f - i) / 10f, CAR, 30f - i, 10f, (30f - i) / 10f);
        }
        assertEquals(0, s.absRel());
        assertEquals(1, s.delta1());
        assertEquals(0, s.closingMae());
        assertEquals(s.truthWarnings(), s.warned());
        assertEquals(0, s.falseWarnings());
    }

    @Test
    void theReportsCarryIt() {
        List<String> names = List.of("sky", "building", "pole", "road", "pavement", "tree", "sign", "fence", "car",
                "pedestrian", "bicyclist");
        SegmentationScore seg = new SegmentationScore(names.size());
        String json = AccuracyReport.json(names, seg, null, null, frames());
        assertTrue(json.contains("\"lead\": {\"frames\": 3, \"same_class\": 2, \"missed\": 1, \"phantom\": 1, "
                + "\"abs_rel\": 0.200000, \"delta_1_25\": 0.666667, \"closing_frames\": 2, \"closing_mae_mps\": "
                + "1.500000, \"lateral_frames\": 0, \"lateral_mae_m\": null, \"warning_s\": 3.000000, \"true_warnings\": 2, \"warned\": 1, \"false_warnings\": 1}"),
                json);
        String table = AccuracyReport.table(names, seg, null, null, frames());
        assertTrue(table.contains("lead (the nearest road user in the vehicle's path) against the truth's: 3 frames "
                + "both (2 the same class), 1 missed, 1 phantom; distance AbsRel 0.2000"), table);
        assertTrue(table.contains("closing speed MAE 1.50 m/s (2 frames); lateral position MAE n/a m (0 frames); "
                + "time to contact <= 3 s: 1 of 2 true warnings given, 1 false"), table);
        assertFalse(AccuracyReport.json(names, seg, null, null, null).contains("\"lead\""), "without a score: as before");
        assertFalse(AccuracyReport.table(names, seg, null, null, new LeadScore()).contains("lead"),
                "no lead in any frame: no line");
    }

    @Test
    void thePathAgainstTheOneDrivenAndAStraightOne() {
        LeadScore s = frames();
        assertEquals(0, s.pathRated());
        assertTrue(Double.isNaN(s.pathMae()) && Double.isNaN(s.straightPathMae()));
        double toOffset = 0.5 * LeadScore.PATH_METRES * LeadScore.PATH_METRES; // 450: a curvature's offset 30 m ahead
        s.addPath(2.5 / toOffset, 3.0 / toOffset); // a bend read 0.5 m short, 3 m off the straight axis
        s.addPath(-0.25 / toOffset, 0);  // a straight road read 0.25 m bent
        s.addPath(Double.NaN, 0.001); // no path read: not scored
        s.addPath(0.001, Double.NaN); // the drive does not say: not scored
        assertEquals(2, s.pathRated());
        assertEquals(0.375, s.pathMae(), 1e-12);
        assertEquals(1.5, s.straightPathMae(), 1e-12);
        List<String> names = List.of("sky", "building", "pole", "road", "pavement", "tree", "sign", "fence", "car",
                "pedestrian", "bicyclist");
        SegmentationScore seg = new SegmentationScore(names.size());
        assertTrue(AccuracyReport.json(names, seg, null, null, s).contains("\"false_warnings\": 1, \"path_frames\": 2, "
                + "\"path_at_m\": 30.000000, \"path_mae_m\": 0.375000, \"straight_path_mae_m\": 1.500000}"));
        assertTrue(AccuracyReport.table(names, seg, null, null, s).contains("the vehicle's path against the one "
                + "driven: lateral error 30 m ahead 0.38 m (a straight path: 1.50 m), 2 frames"));
        // the sums add up, and scores written before the path was scored (11 sums) still add
        LeadScore twice = new LeadScore();
        twice.addSums(s.sums());
        twice.addSums(java.util.Arrays.copyOf(s.sums(), LeadScore.SUMS_NO_PATH));
        assertEquals(2, twice.pathRated());
        assertEquals(2 * s.measured(), twice.measured());
        assertEquals(s.pathMae(), twice.pathMae(), 1e-12);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LeadScore().addSums(new double[12]));
    }
    @Test
    void theLeadsLateralPositionAgainstTheTruths() {
        LeadScore s = new LeadScore();
        assertTrue(Double.isNaN(s.lateralMae()));
        s.addLateral(0.5f, 0.2f);       // 0.3 m off
        s.addLateral(-1.0f, -1.5f);     // 0.5 m off
        s.addLateral(Float.NaN, 0.4f);  // the prediction reads none (the lead at the picture's side): not scored
        s.addLateral(0.4f, Float.NaN);
        assertEquals(2, s.lateralRated());
        assertEquals(0.4, s.lateralMae(), 1e-6);
        List<String> names = List.of("sky", "building", "pole", "road", "pavement", "tree", "sign", "fence", "car",
                "pedestrian", "bicyclist");
        s.add(8, 20f, 1f, Float.NaN, 8, 21f, 1f, Float.NaN);
        SegmentationScore seg = new SegmentationScore(names.size());
        assertTrue(AccuracyReport.json(names, seg, null, null, s).contains(
                "\"lateral_frames\": 2, \"lateral_mae_m\": 0.400000"), AccuracyReport.json(names, seg, null, null, s));
        assertTrue(AccuracyReport.table(names, seg, null, null, s).contains("lateral position MAE 0.40 m (2 frames)"),
                AccuracyReport.table(names, seg, null, null, s));
        // the sums add up; scores without the lateral position (11 or 14 sums) still add
        LeadScore more = new LeadScore();
        more.addSums(s.sums());
        more.addSums(java.util.Arrays.copyOf(s.sums(), LeadScore.SUMS_NO_LATERAL));
        more.addSums(java.util.Arrays.copyOf(s.sums(), LeadScore.SUMS_NO_PATH));
        assertEquals(LeadScore.SUMS, s.sums().length);
        assertEquals(2, more.lateralRated());
        assertEquals(0.4, more.lateralMae(), 1e-6);
        assertEquals(3 * s.measured(), more.measured());
    }
}
