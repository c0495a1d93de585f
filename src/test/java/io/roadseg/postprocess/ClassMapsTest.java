package io.roadseg.postprocess;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassMapsTest {
    @Test
    void argmaxPicksTheHighestLogitAndBreaksTiesTowardsTheLowerId() {
        // 3 classes, 4 pixels; planes [C][pixels]
        FloatBuffer logits = FloatBuffer.wrap(new float[]{
                1, 0, 5, 2,
                3, 0, 1, 2,
                2, 0, 9, 1});
        ByteBuffer out = ByteBuffer.allocate(4);
        ClassMaps.argmax(logits, 3, 4, out);
        assertEquals(1, out.get(0));
        assertEquals(0, out.get(1));
        assertEquals(2, out.get(2));
        assertEquals(0, out.get(3));
    }

    @Test
    void narrowMapsOutOfRangeIdsToVoid() {
        ByteBuffer ids = ByteBuffer.allocate(3 * 8).order(ByteOrder.LITTLE_ENDIAN);
        ids.putLong(0, 3).putLong(8, 42).putLong(16, -1);
        ByteBuffer out = ByteBuffer.allocate(3);
        ClassMaps.narrow(ids, 8, 3, 11, 11, out);
        assertEquals(3, out.get(0));
        assertEquals(11, out.get(1));
        assertEquals(11, out.get(2));
    }

    @Test
    void histogramCountsEachClass() {
        ByteBuffer ids = ByteBuffer.wrap(new byte[]{0, 1, 1, 2, 2, 2, (byte) 200});
        int[] counts = new int[3];
        ClassMaps.histogram(ids, 7, counts);
        assertEquals(1, counts[0]);
        assertEquals(2, counts[1]);
        assertEquals(3, counts[2]);
    }

    @Test
    void roadAheadIsTheDepthAtTheHighestRoadPixelOfTheCentreBand() {
        int w = 50;
        int h = 40;
        ByteBuffer ids = ByteBuffer.allocate(w * h);
        FloatBuffer depth = FloatBuffer.allocate(w * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                ids.put(y * w + x, (byte) (y >= 25 ? 3 : 1));
                depth.put(y * w + x, 100f / (y + 1));
            }
        }
        RoadAheadProbe probe = new RoadAheadProbe(w, h, 3);
        assertEquals(100f / 26, probe.measure(ids, depth), 1e-5);
        for (int i = 0; i < w * h; i++) {
            ids.put(i, (byte) 1);
        }
        assertTrue(Float.isNaN(probe.measure(ids, depth)));
    }
}
