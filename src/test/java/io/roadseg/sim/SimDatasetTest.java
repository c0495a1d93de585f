package io.roadseg.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimDatasetTest {
    private static final CameraCalibration CAMVID =
            new CameraCalibration("camvid", 480, 360, 400, 400, 240, 180, 0, 0, 0, 0, 1.4, 2, 0);

    @Test
    void samplesComeAtTheChosenSizeAndDependOnlyOnSeedAndIndex() {
        SimDataset.Sample fifth;
        try (SimDataset d = new SimDataset(5, CAMVID, 240, 176, 4, 0)) {
            SimDataset.Sample s = null;
            for (int i = 0; i < 6; i++) {
                s = d.next();
                assertEquals(i, s.index());
                assertEquals(240, s.width());
                assertEquals(240 * 176, s.classIds().length);
                assertEquals(240 * 176 * 3, s.bgr().length);
            }
            fifth = s;
        }
        try (SimDataset resumed = new SimDataset(5, CAMVID, 240, 176, 2, 5)) {
            SimDataset.Sample again = resumed.next();
            assertEquals(5, again.index());
            assertArrayEquals(fifth.bgr(), again.bgr());
            assertArrayEquals(fifth.classIds(), again.classIds());
            assertArrayEquals(fifth.depth(), again.depth());
        }
    }

    @Test
    void theBackgroundThreadKeepsAheadOfATrainingLoop() {
        try (SimDataset d = new SimDataset(1, CAMVID, 480, 352, 8, 0)) {
            d.next();
            long t0 = System.nanoTime();
            for (int i = 0; i < 40; i++) {
                d.next();
            }
            double perSecond = 40 / ((System.nanoTime() - t0) / 1e9);
            // a CPU training step on a batch takes far longer than this; a floor, not a benchmark
            assertTrue(perSecond > 10, perSecond + " samples/s");
        }
    }
}
