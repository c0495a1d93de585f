package io.roadseg.sim;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void aShareOfTheDrivesAreSuburbsAndShareZeroIsTheTownDataSetSampleForSample() {
        int suburbs = 0;
        for (long d = 0; d < 1000; d++) {
            suburbs += SimDataset.isSuburb(5, 0.3, d) ? 1 : 0;
            assertFalse(SimDataset.isSuburb(5, 0, d));
            assertTrue(SimDataset.isSuburb(5, 1, d));
        }
        assertTrue(suburbs > 250 && suburbs < 350, suburbs + " suburbs of 1000 drives at share 0.3");
        long drive = 0;
        while (!SimDataset.isSuburb(5, 0.3, drive)) {
            drive++;
        }
        CameraCalibration cam = SimDataset.scaled(CAMVID, 240, 176);
        RoadSceneRenderer r = new RoadSceneRenderer(cam);
        long index = drive * SimDataset.FRAMES_PER_DRIVE + 3;
        SimDataset.Sample town = SimDataset.render(5, cam, index, r, new TownScene[1]);
        SimDataset.Sample zero = SimDataset.render(5, 0, cam, index, r, new TownScene[1]);
        assertArrayEquals(town.bgr(), zero.bgr());
        assertArrayEquals(town.depth(), zero.depth());
        SimDataset.Sample suburb = SimDataset.render(5, 0.3, cam, index, r, new TownScene[1]);
        assertFalse(Arrays.equals(town.classIds(), suburb.classIds()), "drive " + drive + " is a suburb");
        // one cache slot serves both layouts without handing a town to a suburb drive
        TownScene[] cache = new TownScene[1];
        SimDataset.render(5, 0, cam, index, r, cache);
        assertArrayEquals(suburb.classIds(), SimDataset.render(5, 0.3, cam, index, r, cache).classIds());
        try (SimDataset d = new SimDataset(5, 0.3, CAMVID, 240, 176, 2, index)) {
            assertArrayEquals(suburb.depth(), d.next().depth());
        }
    }
}
