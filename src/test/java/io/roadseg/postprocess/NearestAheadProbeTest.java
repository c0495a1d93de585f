package io.roadseg.postprocess;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nearest road user of each kind ahead: in each column of the centre band (the middle fifth), the median depth
 * of the class's lowest run of pixels; over the band, the 10th percentile of those; nothing for a class seen in too
 * few columns.
 */
class NearestAheadProbeTest {
    private static final int W = 100; // band: columns 40..59
    private static final int H = 60;
    private static final int ROAD = 3;
    private static final int CAR = 8;
    private static final int PEDESTRIAN = 9;
    private static final int CLASSES = 11;

    private final ByteBuffer ids = ByteBuffer.allocate(W * H);
    private final FloatBuffer depth = FloatBuffer.allocate(W * H);
    private final float[] nearest = new float[CLASSES];
    private final NearestAheadProbe probe = new NearestAheadProbe(W, H, CLASSES, new int[]{CAR, PEDESTRIAN});

    NearestAheadProbeTest() {
        for (int i = 0; i < W * H; i++) {
            ids.put(i, (byte) ROAD);
            depth.put(i, 3f);
        }
        Arrays.fill(nearest, -1f);
    }

    /** Class {@code id} at {@code metres} over rows [y0, y1) and columns [x0, x1). */
    private void block(int id, float metres, int x0, int x1, int y0, int y1) {
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                ids.put(y * W + x, (byte) id);
                depth.put(y * W + x, metres);
            }
        }
    }

    @Test
    void aCarAcrossTheBandIsAtItsDepth() {
        block(CAR, 12.5f, 30, 70, 20, 40);
        probe.measure(ids, depth, nearest);
        assertEquals(12.5f, nearest[CAR]);
        assertTrue(Float.isNaN(nearest[PEDESTRIAN]), "no pedestrian: NaN");
    }

    @Test
    void theLowestRunInAColumnIsTheNearestOfItsKindThere() {
        block(CAR, 40f, 40, 60, 10, 20); // a far car higher in the picture, in the same columns
        block(CAR, 9f, 40, 60, 30, 45);
        probe.measure(ids, depth, nearest);
        assertEquals(9f, nearest[CAR]);
    }

    @Test
    void theNearestOfTwoCarsSideBySideIsTakenFromAFewColumns() {
        block(CAR, 30f, 40, 56, 20, 30);
        block(CAR, 8f, 56, 60, 30, 45); // 4 of 20 columns: more than the 10th percentile's share
        probe.measure(ids, depth, nearest);
        assertEquals(8f, nearest[CAR]);
    }

    @Test
    void aSingleColumnNearerThanTheRestDoesNotDecide() {
        block(CAR, 20f, 40, 60, 20, 40);
        block(CAR, 2f, 50, 51, 20, 40); // one column of 20 is under the 10th percentile's rank 2
        probe.measure(ids, depth, nearest);
        assertEquals(20f, nearest[CAR]);
    }

    @Test
    void theEndsOfARunDoNotMoveItsMedian() {
        block(CAR, 15f, 40, 60, 20, 40);
        block(CAR, 4f, 40, 60, 38, 40);  // the bottom rows carry the road's depth in front
        block(CAR, 70f, 40, 60, 20, 23); // the top rows the scene behind
        probe.measure(ids, depth, nearest);
        assertEquals(15f, nearest[CAR]);
    }

    @Test
    void onlyTheCentreBandCounts() {
        block(CAR, 10f, 0, 40, 20, 40);
        block(CAR, 10f, 60, W, 20, 40);
        probe.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]), "cars beside the band are not ahead: " + nearest[CAR]);
    }

    @Test
    void aClassInTooFewColumnsOrInRunsOfOnePixelIsNotReported() {
        block(CAR, 10f, 45, 46, 20, 40); // one column: under the two needed
        block(PEDESTRIAN, 6f, 40, 60, 50, 51); // every column, but one pixel high
        probe.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]), "one column: " + nearest[CAR]);
        assertTrue(Float.isNaN(nearest[PEDESTRIAN]), "runs of one pixel: " + nearest[PEDESTRIAN]);
        block(CAR, 10f, 45, 47, 20, 40);
        probe.measure(ids, depth, nearest);
        assertEquals(10f, nearest[CAR], "two columns are enough");
    }

    @Test
    void pixelsWithoutDepthAreLeftOut() {
        block(CAR, 14f, 40, 60, 20, 40);
        block(CAR, Float.NaN, 40, 60, 34, 40);
        block(CAR, 0f, 40, 60, 30, 34);
        block(CAR, Float.POSITIVE_INFINITY, 40, 60, 28, 30);
        probe.measure(ids, depth, nearest);
        assertEquals(14f, nearest[CAR]);
    }

    @Test
    void eachClassIsMeasuredOnItsOwnAndOthersAreLeftAsTheyAre() {
        block(CAR, 25f, 40, 60, 20, 35);
        block(PEDESTRIAN, 7f, 44, 48, 30, 50);
        probe.measure(ids, depth, nearest);
        assertEquals(25f, nearest[CAR], "the pedestrian in front hides part of the car, not its distance");
        assertEquals(7f, nearest[PEDESTRIAN]);
        assertEquals(-1f, nearest[ROAD], "an untracked class's entry is not written");
    }

    @Test
    void trackedIdsTheModelLacksAreIgnored() {
        NearestAheadProbe p = new NearestAheadProbe(W, H, 9, new int[]{-1, CAR, PEDESTRIAN, CAR});
        assertArrayEquals(new int[]{CAR}, p.trackedIds(), "pedestrian (9) is beyond a 9-class model; -1 and repeats");
        block(CAR, 11f, 40, 60, 20, 40);
        p.measure(ids, depth, nearest);
        assertEquals(11f, nearest[CAR]);
    }
    // ---- in the path: a corridor straight ahead, from each column's distance and the focal length ---------------

    /** fx 50 px over 100 columns, principal column 49.5: at 10 m a column is 0.2 m wide, the 3.5 m lane 17.5 of them. */
    private final NearestAheadProbe path = NearestAheadProbe.inPath(W, H, CLASSES, new int[]{CAR, PEDESTRIAN}, 50,
            49.5, 1.75);

    @Test
    void aCarInTheLaneAheadIsInThePath() {
        block(CAR, 10f, 40, 60, 20, 40); // columns 40..59: -1.9..+1.9 m at 10 m; 40 and 59 stand outside
        path.measure(ids, depth, nearest);
        assertEquals(10f, nearest[CAR]);
    }

    @Test
    void aCarInTheNextLaneIsNotInThePathThoughItIsInTheBand() {
        block(CAR, 12f, 57, 80, 20, 40); // its nearest column, 57, at +1.8 m at 12 m: outside the 1.75 m half-width
        probe.measure(ids, depth, nearest);
        assertEquals(12f, nearest[CAR], "the band (columns 40..59) sees it");
        path.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]), "the path does not: " + nearest[CAR]);
    }

    @Test
    void theCorridorKeepsItsWidthWithDistance() {
        // at 40 m a column is 0.8 m: columns 48..50 (-1.2..+0.4 m) are in the lane, 43..46 (-5.2..-2.8 m) are not
        block(PEDESTRIAN, 40f, 43, 47, 20, 30);
        path.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[PEDESTRIAN]), "4 columns, all beside the lane at 40 m: " + nearest[PEDESTRIAN]);
        block(PEDESTRIAN, 40f, 48, 51, 20, 30);
        path.measure(ids, depth, nearest);
        assertEquals(40f, nearest[PEDESTRIAN]);
    }

    @Test
    void theNearestInThePathIsNotTheNearestInTheBand() {
        block(CAR, 12f, 57, 80, 30, 50); // beside the lane, near
        block(CAR, 30f, 47, 54, 10, 18); // in the lane, further on
        probe.measure(ids, depth, nearest);
        assertEquals(12f, nearest[CAR], "the band: 3 of its 10 car columns are the near car's");
        path.measure(ids, depth, nearest);
        assertEquals(30f, nearest[CAR]);
    }

    @Test
    void anOffCentrePrincipalPointShiftsTheCorridor() {
        NearestAheadProbe shifted = NearestAheadProbe.inPath(W, H, CLASSES, new int[]{CAR}, 50, 70, 1.75);
        block(CAR, 10f, 64, 76, 20, 40); // about column 70: in the shifted corridor, beside the centred one
        shifted.measure(ids, depth, nearest);
        assertEquals(10f, nearest[CAR]);
        path.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]));
    }

    @Test
    void aBentPathFollowsTheRoadOutOfTheStraightCorridor() {
        // at 40 m a column is 0.8 m: a car in columns 57..60 stands 6.0..8.4 m right of the axis, out of the
        // straight corridor; a right-hand bend of radius 133 m puts the lane's centre 0.5·40²/133 = 6 m right there
        block(CAR, 40f, 57, 61, 20, 30);
        path.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]), "straight: beside the lane");
        path.setPath(3 / 400.0); // centre 6 m right at 40 m: 4.25..7.75 m, columns 57..59 of the car's
        path.measure(ids, depth, nearest);
        assertEquals(40f, nearest[CAR], "in the bent lane");
        path.setPath(-3 / 400.0); // a left-hand bend: 6 m left
        path.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]));
        path.setPath(Double.POSITIVE_INFINITY); // read as straight
        path.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]));
        path.setPath(Double.NaN);
        path.measure(ids, depth, nearest);
        assertTrue(Float.isNaN(nearest[CAR]));
    }

    @Test
    void theApparentHeightIsReadWhereTheBentPathRuns() {
        block(CAR, 40f, 57, 61, 20, 30); // 10 rows high, about the bent path's column at 40 m
        assertTrue(Float.isNaN(path.apparentHeight(ids, depth, 40f)), "the straight corridor holds none of it");
        path.setPath(3 / 400.0);
        assertEquals(10f, path.apparentHeight(ids, depth, 40f));
    }

    @Test
    void aCorridorNeedsAFocalLengthAndAWidth() {
        int[] car = {CAR};
        for (double[] bad : new double[][] {{0, 49.5, 1.75}, {Double.NaN, 49.5, 1.75}, {50, 49.5, 0},
                {50, Double.NaN, 1.75}, {50, 49.5, Double.POSITIVE_INFINITY}}) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> NearestAheadProbe.inPath(W, H, CLASSES, car, bad[0], bad[1], bad[2]), Arrays.toString(bad));
        }
    }

    // ---- the lead's apparent height ---------------------------------------------------------------------------

    @Test
    void aCarsApparentHeightIsItsRowsWhateverItsWidth() {
        block(CAR, 20f, 42, 58, 30, 42); // 12 rows, 16 columns, half of them beside the 3.5 m lane at 20 m
        path.measure(ids, depth, nearest);
        assertEquals(12f, path.apparentHeight(ids, depth, nearest[CAR]), 1e-6);
        block(CAR, 20f, 30, 42, 34, 42); // a wider, lower shape (a car turned in a bend): its mean height
        assertEquals((16 * 12 + 12 * 8) / 28f, path.apparentHeight(ids, depth, 20f), 1e-5);
    }

    @Test
    void aBicyclistReadPartlyAsAPedestrianIsOneObject() {
        block(CAR, 15f, 48, 52, 30, 40);       // the bicycle read as a car (a road user at its depth)
        block(PEDESTRIAN, 15f, 48, 52, 20, 30); // its rider as a pedestrian
        assertEquals(20f, path.apparentHeight(ids, depth, 15f), 1e-6);
    }

    @Test
    void roadUsersAtOtherDepthsAreNotPartOfIt() {
        block(CAR, 20f, 44, 56, 30, 40);
        block(CAR, 10f, 56, 70, 35, 50);  // a nearer car beside it, touching it in the picture
        block(CAR, 40f, 30, 44, 28, 34);  // and a farther one on its other side
        assertEquals(10f, path.apparentHeight(ids, depth, 20f), 1e-6);
        assertTrue(Float.isNaN(path.apparentHeight(ids, depth, 30f)), "nothing at 30 m in the corridor");
    }

    @Test
    void anObjectCutByThePicturesEdgeHasNoHeight() {
        block(CAR, 5f, 20, 80, 40, H); // reaches the bottom row: its height there is not its size
        assertTrue(Float.isNaN(path.apparentHeight(ids, depth, 5f)));
        block(ROAD, 3f, 0, W, 0, H);
        block(CAR, 6f, 0, 60, 30, 50); // reaches the left edge
        assertTrue(Float.isNaN(path.apparentHeight(ids, depth, 6f)));
        assertThrows(IllegalStateException.class, () -> probe.apparentHeight(ids, depth, 6f), "the band has no corridor");
    }
    // ---- where the lead stands across the path ------------------------------------------------------------------

    @Test
    void theLeadsLateralOffsetIsTheMiddleOfItsColumns() {
        block(CAR, 20f, 52, 58, 30, 40); // columns 52..57, middle 54.5: (54.5 - 49.5)·20 / 50 = 2.0 m right
        assertEquals(10f, path.apparentHeight(ids, depth, 20f), 1e-6);
        assertEquals(2.0f, path.lateralOffset(), 1e-5);
        block(ROAD, 3f, 0, W, 0, H);
        block(CAR, 20f, 42, 49, 30, 40); // middle 45: 1.8 m left
        path.apparentHeight(ids, depth, 20f);
        assertEquals(-1.8f, path.lateralOffset(), 1e-5);
        assertTrue(Float.isNaN(path.apparentHeight(ids, depth, 30f)));
        assertTrue(Float.isNaN(path.lateralOffset()), "no object at 30 m: no offset");
    }

    @Test
    void theLateralOffsetIsFromTheCamerasAxisWhereverThePathRuns() {
        block(CAR, 40f, 57, 60, 20, 30); // middle 58: 6.8 m right of the axis at 40 m (a column is 0.8 m)
        path.setPath(3 / 400.0);         // found where the bent path runs (6 m right there)
        path.apparentHeight(ids, depth, 40f);
        assertEquals(6.8f, path.lateralOffset(), 1e-5);
    }

    @Test
    void anObjectCutByTheBottomRowHasAnOffsetButNotOneCutBySide() {
        block(CAR, 5f, 45, 56, 40, H); // reaches the bottom row: no height, but its middle is its middle
        assertTrue(Float.isNaN(path.apparentHeight(ids, depth, 5f)));
        assertEquals((50 - 49.5f) * 5 / 50, path.lateralOffset(), 1e-6);
        block(ROAD, 3f, 0, W, 0, H);
        block(CAR, 2f, 0, 41, 30, 50); // 1.6 m of it seen at 2 m, up to the left edge: its middle is not known
        path.apparentHeight(ids, depth, 2f);
        assertTrue(Float.isNaN(path.lateralOffset()));
    }

    @Test
    void aCarBesideTheLeadThatTouchesItInThePictureDoesNotMoveItsOffset() {
        // far away the lead and the car in the next lane merge into one blob of road-user pixels at one depth:
        // at 20 m a column is 0.4 m, so the lead (columns 47..52, 0 m) and its neighbour (53..62) span 6.4 m
        block(CAR, 20f, 47, 53, 30, 40);
        block(CAR, 20f, 53, 63, 32, 40);
        path.apparentHeight(ids, depth, 20f);
        assertEquals(0f, path.lateralOffset(), 0.4f, "the lead's middle, not the blob's (2.0 m)");
        assertEquals((6 * 10 + 10 * 8) / 16f, path.apparentHeight(ids, depth, 20f), 1e-5,
                "its height is still the mean over the whole blob: a neighbour at its distance is about its size");
    }

    @Test
    void theLeadsConfidenceIsThatOfItsOwnPixels() {
        // the lead (columns 47..52) and a merged neighbour (53..62) at 20 m; the lead's pixels at 200/255, the
        // neighbour's at 60/255, everything else (road) at 10/255
        block(CAR, 20f, 47, 53, 30, 40);
        block(CAR, 20f, 53, 63, 32, 40);
        ByteBuffer confidence = ByteBuffer.allocate(W * H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                boolean lead = x >= 47 && x < 53 && y >= 30 && y < 40;
                boolean neighbour = x >= 53 && x < 63 && y >= 32 && y < 40;
                confidence.put(y * W + x, (byte) (lead ? 200 : neighbour ? 60 : 10));
            }
        }
        assertTrue(Float.isNaN(path.meanConfidence(confidence)), "nothing measured yet");
        path.apparentHeight(ids, depth, 20f);
        // the 3 m window about the lead holds its 6 columns and one of the neighbour's (0.4 m a column at 20 m):
        // 60 of the lead's pixels and 8 of the neighbour's
        assertEquals((60 * 200 + 8 * 60) / (68 * 255f), path.meanConfidence(confidence), 1e-5);
        path.apparentHeight(ids, depth, 40f); // nothing at 40 m
        assertTrue(Float.isNaN(path.meanConfidence(confidence)));
    }
}
