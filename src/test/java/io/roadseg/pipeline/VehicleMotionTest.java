package io.roadseg.pipeline;

import io.roadseg.source.VehicleCurvature;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vehicle's motion an embedder gives: its yaw rate over its speed, for the frames captured soon after. */
class VehicleMotionTest {
    @Test
    void theCurvatureIsTheYawRateOverTheSpeedForTheFramesSoonAfter() {
        VehicleMotion motion = new VehicleMotion();
        long now = System.nanoTime();
        assertTrue(Double.isNaN(motion.curvature(now)), "no reading yet");
        motion.set(20, 0.1); // 72 km/h turning right at 0.1 rad/s: a radius of 200 m
        long at = System.nanoTime();
        assertEquals(0.005, motion.curvature(at), 1e-12);
        assertEquals(0.005, motion.curvature(at + (VehicleCurvature.STALE_MILLIS - 1) * 1_000_000), 1e-12);
        assertTrue(Double.isNaN(motion.curvature(at + (VehicleCurvature.STALE_MILLIS + 1) * 1_000_000)), "stale");
        assertEquals(0.005, motion.curvature(now), 1e-12, "a frame captured just before the reading takes it too");
        motion.set(-10, 0.1); // reversing: the path it drives bends the other way
        assertEquals(-0.01, motion.curvature(System.nanoTime()), 1e-12);
        motion.set(0.5, 0.3); // a standstill's yaw rate says nothing of a path
        assertTrue(Double.isNaN(motion.curvature(System.nanoTime())));
        for (double[] bad : new double[][] {{Double.NaN, 0}, {10, Double.POSITIVE_INFINITY}}) {
            assertThrows(IllegalArgumentException.class, () -> motion.set(bad[0], bad[1]));
        }
    }
}
