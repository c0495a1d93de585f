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
    void theBackgroundThreadRendersAheadUpToItsBoundInOrder() throws InterruptedException {
        // behaviour, not speed (a timed floor fails on a loaded machine): while the trainer is busy with a step the
        // thread fills the queue to its bound and no further; the trainer's log measures the share of time spent
        // waiting for data ("data N % of the time", the model card's Training section)
        try (SimDataset d = new SimDataset(1, CAMVID, 240, 176, 4, 100)) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (d.ready() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(4, d.ready(), "rendered ahead to the bound while nobody consumed");
            Thread.sleep(300);
            assertEquals(4, d.ready(), "and no further");
            for (long i = 100; i < 106; i++) {
                assertEquals(i, d.next().index(), "samples in order, across the refill");
            }
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
