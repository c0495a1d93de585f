package io.roadseg.postprocess;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lead in the path, its closing speed (the Theil–Sen slope of its last second) and time to contact, on distance
 * series with known motion: approaching, drawing away, with noise and misread frames, with another object taking
 * over, gaps, a replay looping, and the depth's saturation.
 */
class LeadTrackerTest {
    private static final int CAR = 8;
    private static final int PEDESTRIAN = 9;
    private static final int BICYCLIST = 10;
    private static final long FRAME_US = 33_333; // 30 frames per second

    private final LeadTracker tracker = new LeadTracker(new int[]{CAR, PEDESTRIAN, -1, BICYCLIST}, 80f);
    private final float[] inPath = new float[11];

    LeadTrackerTest() {
        Arrays.fill(inPath, Float.NaN);
    }

    private void frame(long i, int classId, float metres) {
        tracker.update(i * FRAME_US, classId, metres, Float.NaN);
    }

    @Test
    void aCarComingNearerAtTenMetresPerSecond() {
        for (int i = 0; i < 45; i++) {
            frame(i, CAR, 40f - 10f * i / 30f);
        }
        float now = 40f - 10f * 44 / 30f;
        assertEquals(CAR, tracker.leadClass());
        assertEquals(now, tracker.distance(), 1e-5);
        assertEquals(10f, tracker.closingSpeed(), 1e-3);
        assertEquals(now / 10f, tracker.timeToContact(), 1e-3);
    }

    @Test
    void noSpeedUntilTheTrackIsLongEnough() {
        // 5 samples, but 0.13 s: short of the 0.3 s the slope needs
        for (int i = 0; i < 5; i++) {
            frame(i, CAR, 20f - 0.3f * i);
            assertTrue(Float.isNaN(tracker.closingSpeed()), "frame " + i);
        }
        for (int i = 5; i < 10; i++) {
            frame(i, CAR, 20f - 0.3f * i);
        }
        assertTrue(Float.isNaN(tracker.closingSpeed()), "10 samples over 0.2999 s");
        frame(10, CAR, 20f - 0.3f * 10);
        assertEquals(9f, tracker.closingSpeed(), 1e-3);
    }

    @Test
    void drawingAwayIsANegativeClosingSpeedAndNoTimeToContact() {
        for (int i = 0; i < 40; i++) {
            frame(i, CAR, 15f + 3f * i / 30f);
        }
        assertEquals(-3f, tracker.closingSpeed(), 1e-3);
        assertTrue(Float.isNaN(tracker.timeToContact()));
    }

    @Test
    void slowerThanHalfAMetrePerSecondGivesNoTimeToContact() {
        for (int i = 0; i < 40; i++) {
            frame(i, CAR, 15f - 0.3f * i / 30f);
        }
        assertEquals(0.3f, tracker.closingSpeed(), 1e-3);
        assertTrue(Float.isNaN(tracker.timeToContact()));
    }

    @Test
    void noiseAndAFewMisreadFramesBarelyMoveIt() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 60; i++) {
            float d = 30f - 8f * i / 30f + (float) r.nextDouble(-0.4, 0.4); // ±0.4 m read noise
            if (i % 10 == 3) {
                d += 1.5f; // one frame in ten misread 1.5 m long (within the jump allowance: the same track)
            }
            frame(i, CAR, d);
        }
        assertEquals(8f, tracker.closingSpeed(), 0.5);
        float now = 30f - 8f * 59 / 30f;
        assertEquals(now / 8f, tracker.timeToContact(), 0.12);
    }

    @Test
    void anotherObjectTakingOverStartsANewTrack() {
        for (int i = 0; i < 40; i++) {
            frame(i, CAR, 30f - 5f * i / 30f);
        }
        assertEquals(5f, tracker.closingSpeed(), 1e-3);
        frame(40, PEDESTRIAN, 12f); // 11 m nearer than the car in one frame: someone else
        assertEquals(PEDESTRIAN, tracker.leadClass());
        assertTrue(Float.isNaN(tracker.closingSpeed()), "a new track has no speed yet");
        for (int i = 41; i < 60; i++) {
            frame(i, PEDESTRIAN, 12f - 2f * (i - 40) / 30f);
        }
        assertEquals(2f, tracker.closingSpeed(), 1e-3, "the pedestrian's speed, not a mix with the car's");
    }

    @Test
    void aChangeOfClassAloneKeepsTheTrack() {
        for (int i = 0; i < 40; i++) {
            frame(i, i % 2 == 0 ? PEDESTRIAN : BICYCLIST, 20f - 4f * i / 30f);
        }
        assertEquals(BICYCLIST, tracker.leadClass());
        assertEquals(4f, tracker.closingSpeed(), 1e-3);
    }

    @Test
    void anotherClassForThreeFramesInARowStartsANewTrack() {
        // a car 8 m ahead drawing away at 1 m/s; a bicyclist of the same apparent height then leads at the same
        // distance, closing at 3 m/s (seed 1006: the car's second of history held the bicyclist's speed at -1 m/s
        // for 0.6 s while the truth warned)
        long i = 0;
        for (; i < 30; i++) {
            float d = 8f + i / 30f;
            tracker.update(i * FRAME_US, CAR, d, height(d));
        }
        for (long j = 0; j < 2; j++, i++) { // two frames read as a bicyclist: the same object
            tracker.update(i * FRAME_US, BICYCLIST, 9f, height(9f));
        }
        float d = 9f;
        for (long j = 0; j < 5; j++, i++) {
            d += 1f / 30;
            tracker.update(i * FRAME_US, CAR, d, height(d));
        }
        assertEquals(-1f, tracker.closingSpeed(), 0.05, "the car's track, kept");
        for (long j = 1; j <= 15; j++, i++) {
            d -= 3f / 30;
            tracker.update(i * FRAME_US, BICYCLIST, d, height(d));
            if (j == 11) { // the new track holds the first two frames too: 11 samples over 0.33 s, not 9 over 0.27
                assertEquals(3f, tracker.closingSpeed(), 0.1, "a closing speed 0.07 s sooner");
            }
        }
        assertEquals(3f, tracker.closingSpeed(), 0.1, "the bicyclist's own track after three frames");
        assertTrue(tracker.timeToContact() > 0 && tracker.timeToContact() < 3.2, "" + tracker.timeToContact());
    }

    @Test
    void aShortGapKeepsTheTrackALongOneEndsIt() {
        for (int i = 0; i < 30; i++) {
            frame(i, CAR, 25f - 6f * i / 30f);
        }
        for (int i = 30; i < 40; i++) { // a third of a second without a lead
            frame(i, -1, Float.NaN);
            assertEquals(-1, tracker.leadClass());
            assertTrue(Float.isNaN(tracker.closingSpeed()));
        }
        frame(40, CAR, 25f - 6f * 40 / 30f);
        assertEquals(6f, tracker.closingSpeed(), 1e-3, "the track before the gap carries on");
        for (int i = 41; i < 60; i++) { // over half a second
            frame(i, -1, Float.NaN);
        }
        frame(60, CAR, 25f - 6f * 60 / 30f);
        assertTrue(Float.isNaN(tracker.closingSpeed()), "forgotten: a new track");
    }

    @Test
    void aReplayLoopingBackStartsANewTrack() {
        for (int i = 0; i < 40; i++) {
            frame(i, CAR, 25f - 6f * i / 30f);
        }
        frame(0, CAR, 25f);
        assertTrue(Float.isNaN(tracker.closingSpeed()));
    }

    @Test
    void theNearestRoadUserInThePathLeads() {
        inPath[CAR] = 30f;
        inPath[PEDESTRIAN] = 12f;
        inPath[BICYCLIST] = Float.NaN;
        inPath[3] = 2f; // not a road user (road): never the lead
        tracker.update(0, inPath);
        assertEquals(PEDESTRIAN, tracker.leadClass());
        assertEquals(12f, tracker.distance());
    }

    @Test
    void aReadingAtTheDepthsSaturationIsNoLead() {
        inPath[CAR] = 79.9f; // 0.97 of 80 m or more: as far as the network's depth goes, not a distance
        tracker.update(0, inPath);
        assertEquals(-1, tracker.leadClass());
        assertTrue(Float.isNaN(tracker.distance()));
        inPath[BICYCLIST] = 60f;
        tracker.update(FRAME_US, inPath);
        assertEquals(BICYCLIST, tracker.leadClass(), "a road user within range leads");
        frame(2, CAR, 78f);
        assertEquals(-1, tracker.leadClass());
    }

    @Test
    void aWindowOfMoreFramesThanItHoldsKeepsTheLatest() {
        // 120 frames per second: the second of samples is 120, the tracker holds the last 64 (about half a second)
        for (int i = 0; i < 300; i++) {
            tracker.update(i * 8_333L, CAR, 30f - 5f * i / 120f, Float.NaN);
        }
        assertEquals(5f, tracker.closingSpeed(), 1e-2);
    }

    // ---- from the lead's apparent height: a distance of unknown scale, free of the depth's errors --------------

    /** A car 1.5 m high seen with a focal length of 400 px: 600 / d pixels at d metres. */
    private static float height(float metres) {
        return 600f / metres;
    }

    @Test
    void heightsGiveTheClosingSpeedAndTimeToContact() {
        for (int i = 0; i < 45; i++) {
            float d = 40f - 10f * i / 30f;
            tracker.update(i * FRAME_US, CAR, d, height(d));
        }
        float now = 40f - 10f * 44 / 30f;
        assertEquals(10f, tracker.closingSpeed(), 0.05);
        assertEquals(now / 10f, tracker.timeToContact(), 0.01);
    }

    @Test
    void heightsKeepTheTimeToContactWhereTheDepthIsBiased() {
        // the network's far-object bias: read 50 % too far at 40 m, 25 % at 20 m, converging as the car nears;
        // the distances' slope then says 15 m/s for a car closing at 10
        LeadTracker fromDistance = new LeadTracker(new int[]{CAR}, 80f);
        for (int i = 0; i < 45; i++) {
            float d = 40f - 10f * i / 30f;
            float read = d * (1 + d / 80f);
            tracker.update(i * FRAME_US, CAR, read, height(d));
            fromDistance.update(i * FRAME_US, CAR, read, Float.NaN);
        }
        float now = 40f - 10f * 44 / 30f;
        assertTrue(fromDistance.closingSpeed() > 14f, "from distances alone: " + fromDistance.closingSpeed());
        assertEquals(now / 10f, tracker.timeToContact(), 0.03, "scale-free");
        // its metres per second carry the depth's scale over the window (its middle, 5 m further than now, read
        // ×1.38), not the slope's error
        assertEquals(10f * (1 + (now + 5f) / 80f), tracker.closingSpeed(), 0.1);
    }

    @Test
    void anotherObjectsHeightIsNotTakenForTheLeadsGrowth() {
        // a car at a steady 20 m whose reading is taken over by a bicyclist beside it at 20.5 m: within the distance's
        // jump allowance, but 3 times as high per metre; growth from 30 to 88 px would read as a crash
        for (int i = 0; i < 30; i++) {
            tracker.update(i * FRAME_US, CAR, 20f, height(20f));
        }
        assertEquals(0f, tracker.closingSpeed(), 1e-3);
        for (int i = 30; i < 50; i++) {
            tracker.update(i * FRAME_US, BICYCLIST, 20.5f, 3 * height(20.5f));
            assertTrue(Float.isNaN(tracker.timeToContact()), "frame " + i + ": " + tracker.timeToContact());
            float closing = tracker.closingSpeed();
            assertTrue(Float.isNaN(closing) || Math.abs(closing) < 1f, "frame " + i + ": " + closing);
            if (i == 31) {
                assertEquals(0f, closing, 1e-3f, "two frames: heights not counted, the car's go on");
            }
            if (i == 32) {
                assertTrue(Float.isNaN(closing), "the third in a row: a new track, too short for a speed");
            }
        }
        assertEquals(0f, tracker.closingSpeed(), 1e-3, "the bicyclist's own track");
    }

    @Test
    void aMisreadHeightIsNotCounted() {
        for (int i = 0; i < 45; i++) {
            float d = 40f - 10f * i / 30f;
            tracker.update(i * FRAME_US, CAR, d, i % 10 == 5 ? 2 * height(d) : height(d)); // a misread every 10th
        }
        assertEquals(10f, tracker.closingSpeed(), 0.05);
        assertEquals((40f - 10f * 44 / 30f) / 10f, tracker.timeToContact(), 0.01);
    }

    @Test
    void framesWithoutAHeightFallBackOnTheDistances() {
        // the car leaves the picture's edge (no height) from frame 20: the distances carry the speed on
        for (int i = 0; i < 45; i++) {
            float d = 40f - 10f * i / 30f;
            tracker.update(i * FRAME_US, CAR, d, i < 20 ? height(d) : Float.NaN);
        }
        assertEquals(10f, tracker.closingSpeed(), 1e-3);
    }

    @Test
    void theTruthsTrackerFollowsABrakingCarWithoutTheSecondsLag() {
        LeadTracker truth = LeadTracker.truth(new int[]{CAR}, 80f);
        // a steady 24 m for a second, then the car ahead brakes: closing at 17 m/s
        for (int i = 0; i < 40; i++) {
            float d = i < 30 ? 24f : 24f - 17f * (i - 30) / 30f;
            truth.update(i * FRAME_US, CAR, d, Float.NaN);
            frame(i, CAR, d);
        }
        assertEquals(17f, truth.closingSpeed(), 1e-2);
        assertTrue(tracker.closingSpeed() < 8f, "a one-second slope lags: " + tracker.closingSpeed());
    }

    @Test
    void theTruthsTrackerStartsANewTrackForAnotherObject() {
        // the town drive's frames 222-231: the true lead, a pedestrian at 35 m, gives way to a bicyclist at 30 m
        // (within the prediction's jump allowance: 20 % of 35 m); a 0.3 s slope across them would be 34 m/s
        LeadTracker truth = LeadTracker.truth(new int[]{PEDESTRIAN, BICYCLIST}, 80f);
        for (int i = 0; i < 10; i++) {
            truth.update(i * FRAME_US, PEDESTRIAN, 36.5f - 0.4f * i, Float.NaN);
        }
        assertEquals(12f, truth.closingSpeed(), 1e-2);
        truth.update(10 * FRAME_US, BICYCLIST, 30f, Float.NaN);
        assertTrue(Float.isNaN(truth.closingSpeed()), "a new track: " + truth.closingSpeed());
        truth.update(11 * FRAME_US, BICYCLIST, 29.8f, Float.NaN);
        truth.update(12 * FRAME_US, BICYCLIST, 26f, Float.NaN); // 3.8 m in a frame: more than 40 m/s explains
        assertTrue(Float.isNaN(truth.closingSpeed()), "a new track: " + truth.closingSpeed());
    }

    @Test
    void aFarCarsHeightNoiseGivesNoTimeToContact() {
        // a car keeping its 50 m, 12 rows high, read a row more or less at random: no warning however the noise
        // falls, while the same car closing at 10 m/s from 30 m, read as roughly, gets one
        SplittableRandom random = new SplittableRandom(7);
        int given = 0;
        for (int i = 0; i < 300; i++) {
            tracker.update(i * FRAME_US, CAR, 50f, 12f + random.nextInt(-1, 2));
            given += Float.isNaN(tracker.timeToContact()) ? 0 : 1;
        }
        assertEquals(0, given, "frames with a time to contact");
        LeadTracker closing = new LeadTracker(new int[]{CAR}, 80f);
        for (int i = 0; i < 45; i++) {
            float d = 30f - 10f * i / 30f;
            closing.update((1000 + i) * FRAME_US, CAR, d, Math.round(height(d)) + random.nextInt(-1, 2));
        }
        assertEquals((30f - 10f * 44 / 30f) / 10f, closing.timeToContact(), 0.2);
    }
}
