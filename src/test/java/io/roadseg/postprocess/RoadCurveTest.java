package io.roadseg.postprocess;

import io.roadseg.sim.SimSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoadCurveTest {
    private static final int W = 200;
    private static final int H = 120;
    private static final double FX = 150;
    private static final double CX = 99.5;
    /** The horizon's row, for a level camera 1.5 m above a flat road. */
    private static final double CY = 40;
    private static final double CAMERA_HEIGHT = 1.5;
    private static final int SKY = 0;
    private static final int ROAD = 3;
    private static final int PAVEMENT = 4;
    private static final int CAR = 8;
    private static final int[] USERS = {CAR, 9, 10};

    private final ByteBuffer ids = ByteBuffer.allocate(W * H);
    private final FloatBuffer depth = FloatBuffer.allocate(W * H);

    /** The ground's distance in row {@code y} (below the horizon). */
    private static double rowMetres(int y) {
        return FX * CAMERA_HEIGHT / (y - CY);
    }

    /**
     * A flat road whose edges run {@code left} and {@code right} metres from the camera's axis at the camera, bent by
     * the curvature; pavement beside it, sky above the horizon; the depth exact.
     */
    private void road(double left, double right, double curvature) {
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int i = y * W + x;
                if (y <= CY) {
                    ids.put(i, (byte) SKY);
                    depth.put(i, 0);
                    continue;
                }
                double z = rowMetres(y);
                double lateral = (x - CX) * z / FX - 0.5 * curvature * z * z;
                ids.put(i, (byte) (lateral > left && lateral < right ? ROAD : PAVEMENT));
                depth.put(i, (float) z);
            }
        }
    }

    private void box(int id, float metres, int x0, int x1, int y0, int y1) {
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                ids.put(y * W + x, (byte) id);
                depth.put(y * W + x, metres);
            }
        }
    }

    private final RoadCurve curve = new RoadCurve(W, H, ROAD, USERS, FX, CX);

    @Test
    void aBendIsReadFromBothEdgesOfTheRoad() {
        road(-5.25, 1.75, 1 / 150.0); // two lanes, the camera in the right-hand one, a right-hand bend
        assertTrue(curve.update(0, ids, depth));
        assertEquals(1 / 150.0, curve.measuredCurvature(), 0.05 / 150, "curvature");
        assertEquals(curve.measuredCurvature(), curve.curvature(), 1e-12, "the first reading is taken whole");
        assertEquals(0.5 / 150 * 900, curve.offsetAt(30), 0.2);
        assertEquals(CX + FX * 3.0 / 30, curve.column(3, 30), 1e-9);
        assertEquals(CY, curve.measuredHorizon(), 0.25, "the horizon the edges meet at");
        assertTrue(Float.isNaN(curve.rowMetres(10)), "sky");
        assertEquals(rowMetres(100), curve.rowMetres(100), 0.01 * rowMetres(100));
    }

    @Test
    void whatStandsOnTheRoadHidesItWithoutBendingIt() {
        road(-5.25, 1.75, -1 / 120.0); // a left-hand bend
        // a car in the lane 15 m ahead (rows 55..63 are about 15 m away at the ground), and one parked on the right
        // edge over 8..12 m, hiding it
        int row15 = (int) Math.round(CY + FX * CAMERA_HEIGHT / 15);
        box(CAR, 15f, 85, 110, row15 - 12, row15 + 1);
        int row8 = (int) Math.round(CY + FX * CAMERA_HEIGHT / 8);
        int row12 = (int) Math.round(CY + FX * CAMERA_HEIGHT / 12);
        box(CAR, 10f, 115, 140, row12 - 10, row8);
        assertTrue(curve.update(0, ids, depth));
        assertEquals(-1 / 120.0, curve.measuredCurvature(), 0.05 / 120);
    }

    @Test
    void aDepthThatReadsFarRowsTooFarDoesNotBendTheRoad() {
        // the network's depth on real footage: far rows read increasingly too far (here +1 % per metre), which bent a
        // straight road when the edges were fitted in metres; in the picture only the scale comes from the depth
        road(-1.75, 5.25, 0);
        for (int i = 0; i < W * H; i++) {
            float z = depth.get(i);
            depth.put(i, z * (1 + z / 100));
        }
        assertTrue(curve.update(0, ids, depth));
        assertEquals(0, curve.measuredCurvature(), 1e-4, "a straight road");
        road(-1.75, 5.25, 1 / 200.0);
        for (int i = 0; i < W * H; i++) {
            depth.put(i, depth.get(i) * 1.25f); // a depth 25 % too far everywhere: the bend in its metres
        }
        assertTrue(curve.update(40_000, ids, depth));
        assertEquals(1 / 200.0 / 1.25, curve.measuredCurvature(), 0.05 / 200 / 1.25);
    }

    @Test
    void aBendTighterThanAVehicleFollowsIsNotRead() {
        road(-1.75, 5.25, 1 / 60.0);
        assertFalse(curve.update(0, ids, depth));
        assertEquals(0, curve.curvature());
    }

    @Test
    void aStraightRoadReadsStraight() {
        road(-1.75, 1.75, 0);
        assertTrue(curve.update(0, ids, depth));
        assertEquals(0, curve.measuredCurvature(), 1e-4);
    }

    @Test
    void readingsAreSmoothedAndHeldThenRelaxToStraight() {
        road(-5.25, 1.75, 0);
        curve.update(0, ids, depth);
        road(-5.25, 1.75, 1 / 150.0);
        double k = 1 / 150.0;
        long t = 0;
        for (int i = 1; i <= 8; i++) { // 0.32 s of the bend at 25 frames a second: about 1 - e^-1 of it
            curve.update(t += 40_000, ids, depth);
        }
        assertEquals((1 - Math.exp(-0.32 / RoadCurve.TAU_SECONDS)) * k, curve.curvature(), 0.05 * k);
        for (int i = 0; i < 50; i++) {
            curve.update(t += 40_000, ids, depth);
        }
        assertEquals(k, curve.curvature(), 0.05 * k, "settled");
        double settled = curve.curvature();
        road(-5.25, 1.75, 0);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                if (ids.get(y * W + x) == ROAD) {
                    ids.put(y * W + x, (byte) PAVEMENT); // no road at all: nothing to read
                }
            }
        }
        for (int i = 0; i < 25; i++) { // one second without a reading: held
            assertFalse(curve.update(t += 40_000, ids, depth));
            assertTrue(Double.isNaN(curve.measuredCurvature()));
        }
        assertEquals(settled, curve.curvature(), 1e-12, "held for " + RoadCurve.HOLD_SECONDS + " s");
        for (int i = 0; i < 50; i++) { // two more: relaxed towards straight
            curve.update(t += 40_000, ids, depth);
        }
        assertEquals(0, curve.curvature(), 0.01 * k);
        // a time going backwards (a replay looping) starts afresh with the next reading
        road(-5.25, 1.75, -1 / 150.0);
        curve.update(0, ids, depth);
        assertEquals(-k, curve.curvature(), 0.05 * k);
    }

    @Test
    void noRoadOrTooLittleOfItGivesNoReading() {
        road(-5.25, 1.75, 0);
        for (int y = 0; y < 100; y++) { // only the road nearer than 2.5 m is left: below the nearest distance read
            for (int x = 0; x < W; x++) {
                if (ids.get(y * W + x) == ROAD) {
                    ids.put(y * W + x, (byte) PAVEMENT);
                }
            }
        }
        assertFalse(curve.update(0, ids, depth));
        assertEquals(0, curve.curvature());
    }

    @Test
    void aCurveNeedsARoadIdAFocalLengthAndAPrincipalColumn() {
        assertThrows(IllegalArgumentException.class, () -> new RoadCurve(W, H, -1, USERS, FX, CX));
        assertThrows(IllegalArgumentException.class, () -> new RoadCurve(W, H, ROAD, USERS, 0, CX));
        assertThrows(IllegalArgumentException.class, () -> new RoadCurve(W, H, ROAD, USERS, Double.NaN, CX));
        assertThrows(IllegalArgumentException.class, () -> new RoadCurve(W, H, ROAD, USERS, FX, Double.NaN));
    }

    /** On a synthetic drive's exact class ids and depth, rendered by the project's own renderer through its bend. */
    @Test
    void theBendOfASyntheticDriveIsReadFromItsTrueMaps() throws Exception {
        try (SimSource src = (SimSource) FrameSources.open("sim://town?seed=999&frames=250",
                SourceOptions.defaults())) {
            int w = src.info().width();
            int h = src.info().height();
            ByteBuffer bgr = ByteBuffer.allocateDirect(3 * w * h);
            ByteBuffer truthIds = ByteBuffer.allocateDirect(w * h);
            FloatBuffer truthDepth = ByteBuffer.allocateDirect(4 * w * h).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            RoadCurve c = new RoadCurve(w, h, ROAD, USERS, src.groundTruthFocalPx(), (w - 1) / 2.0);
            int straight = 0;
            int bent = 0;
            // the camera's pitch puts the horizon at cy - fy·tan(pitch) (the calibration's cy at pixel centres +0.5)
            io.roadseg.sim.CameraCalibration cam = io.roadseg.sim.CameraCalibration.read(
                    java.nio.file.Path.of("calibration/camvid-480x360.yaml"));
            double horizon = cam.cy() - 0.5 - cam.fy() * Math.tan(Math.toRadians(cam.pitchDeg()));
            for (int i = 0; i < 131; i++) {
                src.read(bgr);
                if (i % 5 != 0) {
                    continue;
                }
                src.readGroundTruth(truthIds, truthDepth);
                double k = src.groundTruthPathCurvature();
                assertTrue(c.update(i * 40_000L, truthIds, truthDepth), "frame " + i);
                if (k == 0) {
                    straight++;
                    assertEquals(0, c.measuredCurvature(), 2e-4, "frame " + i);
                } else {
                    bent++;
                    assertEquals(k, c.measuredCurvature(), 0.05 * Math.abs(k), "frame " + i);
                }
                assertEquals(horizon, c.measuredHorizon(), 0.5, "frame " + i);
            }
            assertTrue(straight >= 10 && bent >= 5, straight + " straight, " + bent + " bent frames");
            assertEquals(straight + bent, c.horizonReadings());
            assertEquals(horizon, c.horizonMedian(), 0.5);
        }
    }
}
