package io.roadseg.metrics;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoadPlaneFitTest {
    /** Depth of the road at row offset y for a camera h metres up, pitched theta degrees down. */
    private static double road(double h, double thetaDeg, double y) {
        double t = Math.toRadians(thetaDeg);
        return h / (y * Math.cos(t) + Math.sin(t));
    }

    @Test
    void anExactPlaneGivesBackItsHeightAndPitch() {
        for (double[] camera : new double[][]{{1.65, 0}, {1.488, 1.63}, {1.43, -1.2}}) {
            RoadPlaneFit fit = new RoadPlaneFit();
            for (int v = 0; v < 200; v++) {
                double y = 0.03 + v * 0.001; // rows below the horizon, 4-60 m
                fit.add(y, road(camera[0], camera[1], y));
            }
            RoadPlaneFit.Plane plane = fit.fit();
            assertNotNull(plane);
            assertEquals(camera[0], plane.heightM(), 1e-9);
            assertEquals(camera[1], plane.pitchDownDeg(), 1e-9);
            assertEquals(200, plane.points());
        }
    }

    @Test
    void carsAndKerbsTakenForRoadAreTrimmedAway() {
        Random random = new Random(7);
        int n = 4000;
        double[] ys = new double[n];
        double[] zs = new double[n];
        int outliers = 0;
        for (int i = 0; i < n; i++) {
            ys[i] = 0.03 + random.nextDouble() * 0.2;
            zs[i] = road(1.5, 1.2, ys[i]) * (1 + 0.01 * random.nextGaussian()); // LiDAR noise, 1 %
            if (random.nextDouble() < 0.2) {
                zs[i] = 3 + 5 * random.nextDouble(); // the back of a car standing on the road: one depth, many rows
                outliers++;
            }
        }
        RoadPlaneFit fit = new RoadPlaneFit();
        for (int i = 0; i < n; i++) {
            fit.add(ys[i], zs[i]);
        }
        RoadPlaneFit.Plane plane = fit.fit();
        assertNotNull(plane);
        assertEquals(1.5, plane.heightM(), 0.015);
        assertEquals(1.2, plane.pitchDownDeg(), 0.1);
        assertTrue(plane.points() < n - outliers / 2, "most outliers dropped: " + plane.points());
        // plain least squares over the same points is far off: the trimming is what makes the check usable
        double sy = 0;
        double si = 0;
        double syy = 0;
        double syi = 0;
        for (int i = 0; i < n; i++) {
            sy += ys[i];
            si += 1 / zs[i];
            syy += ys[i] * ys[i];
            syi += ys[i] / zs[i];
        }
        double a = (n * syi - sy * si) / (n * syy - sy * sy);
        double theta = Math.toDegrees(Math.atan2((si - a * sy) / n, a));
        assertTrue(Math.abs(theta - 1.2) > 0.5, "untrimmed pitch " + theta);
    }

    @Test
    void tooFewPointsOrNoRoadGiveNoPlane() {
        RoadPlaneFit fit = new RoadPlaneFit();
        for (int v = 0; v < RoadPlaneFit.MIN_POINTS - 1; v++) {
            fit.add(0.05 + v * 0.001, road(1.5, 0, 0.05 + v * 0.001));
        }
        assertNull(fit.fit());
        fit.clear();
        assertEquals(0, fit.size());
        for (int v = 0; v < 200; v++) {
            fit.add(0.05 + v * 0.001, 5 + 100 * v * 0.001); // farther down the image: no road plane does that
        }
        assertNull(fit.fit());
        fit.clear();
        fit.add(0.1, 0);
        fit.add(0.1, Double.NaN);
        fit.add(0.1, -3);
        assertEquals(0, fit.size(), "no depth, no point");
    }
}
