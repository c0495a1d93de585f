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
        tracker.update(i * FRAME_US, classId, metres);
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
            tracker.update(i * 8_333L, CAR, 30f - 5f * i / 120f);
        }
        assertEquals(5f, tracker.closingSpeed(), 1e-2);
    }
}
