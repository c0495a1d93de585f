package io.roadseg.postprocess;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The free distance ahead: walk each column of the centre band up from the bottom while it is road; the depth at
 * the highest road pixel is that column's distance; the probe reports the median over the band.
 */
class RoadAheadProbeTest {
    private static final int W = 50;
    private static final int H = 40;
    private static final int ROAD = 3;
    private static final int OTHER = 1;

    /** Depth that differs on every row: 100 m / (row + 1). */
    private static FloatBuffer rowDepth() {
        FloatBuffer depth = FloatBuffer.allocate(W * H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                depth.put(y * W + x, 100f / (y + 1));
            }
        }
        return depth;
    }

    /** Road from the bottom row up to {@code topRow} in columns [x0, x1), everything else another class. */
    private static ByteBuffer roadUpTo(int topRow, int x0, int x1) {
        ByteBuffer ids = ByteBuffer.allocate(W * H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                ids.put(y * W + x, (byte) (y >= topRow && x >= x0 && x < x1 ? ROAD : OTHER));
            }
        }
        return ids;
    }

    @Test
    void theDistanceIsTheDepthAtTheHighestRoadRowOfTheCentreBand() {
        RoadAheadProbe probe = new RoadAheadProbe(W, H, ROAD);
        for (int r : new int[]{0, 12, 25, 39}) {
            assertEquals(100f / (r + 1), probe.measure(roadUpTo(r, 0, W), rowDepth()), 1e-5, "road up to row " + r);
        }
    }

    @Test
    void roadOnlyInTheCentreBandIsEnough() {
        // Band = middle fifth: columns 20..29 of 50.
        RoadAheadProbe probe = new RoadAheadProbe(W, H, ROAD);
        assertEquals(100f / 31, probe.measure(roadUpTo(30, 20, 30), rowDepth()), 1e-5);
    }

    @Test
    void theMedianOverTheBandIgnoresASingleFarColumn() {
        ByteBuffer ids = roadUpTo(30, 0, W);
        for (int y = 5; y < 30; y++) {
            ids.put(y * W + 24, (byte) ROAD); // one column of the band sees road much further up
        }
        assertEquals(100f / 31, new RoadAheadProbe(W, H, ROAD).measure(ids, rowDepth()), 1e-5);
    }

    @Test
    void noRoadUnderTheCameraIsNaN() {
        RoadAheadProbe probe = new RoadAheadProbe(W, H, ROAD);
        assertTrue(Float.isNaN(probe.measure(roadUpTo(H, 0, W), rowDepth())), "no road at all");
        assertTrue(Float.isNaN(probe.measure(roadUpTo(10, 0, 15), rowDepth())), "road only left of the band");
    }

    @Test
    void aModelWithoutARoadClassMeasuresNaN() {
        assertTrue(Float.isNaN(new RoadAheadProbe(W, H, -1).measure(roadUpTo(0, 0, W), rowDepth())));
    }
}
