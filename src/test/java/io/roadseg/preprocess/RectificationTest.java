package io.roadseg.preprocess;

import io.roadseg.sim.CameraCalibration;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rectification (OpenCV's maps) against the lens model the simulator renders with ({@link CameraCalibration}):
 * a point the camera sees at a pixel lands where the level pinhole camera would see the same ray.
 */
class RectificationTest {
    private static final int W = 320;
    private static final int H = 192;

    /** A wide lens with barrel distortion, rolled 4° (the simulator's conventions; pixel centres at +0.5). */
    private static final CameraCalibration CAMERA = new CameraCalibration("wide", W, H, 170, 170, 160, 96,
            -0.30, 0.08, 0.002, -0.001, 1.4, 2.0, 4.0);

    /** A wide lens of the rational model (OpenCV's eight coefficients, ROS's rational_polynomial), rolled 4°. */
    private static final CameraCalibration RATIONAL = new CameraCalibration("rational", W, H, 170, 170, 160, 96,
            -0.2, 0.05, 0.001, 0.0005, 0.001, 0.1, 0.02, 0.001, false, 1.4, 2.0, 4.0);

    private static Rectification.Lens lens(CameraCalibration c) {
        // OpenCV's pixel centres are at integers: the calibration's principal point moves by -0.5
        return c.lensAt(c.fx(), c.fy(), c.cx() - 0.5, c.cy() - 0.5, c.rollDeg());
    }

    @Test
    void aPointLandsWhereTheLevelPinholeCameraSeesItsRay() {
        assertEquals(14, landsWhereThePinholeSeesIt(CAMERA),
                "every patch but the two whose image lies at the picture's edge");
    }

    @Test
    void aRationalLensPointLandsWhereTheLevelPinholeCameraSeesItsRay() {
        assertEquals("k1 -0.200, k2 0.050, p1 0.001, p2 0.001, k3 0.001, k4 0.100, k5 0.020, k6 0.001, roll 4.0°",
                lens(RATIONAL).describe());
        assertEquals(14, landsWhereThePinholeSeesIt(RATIONAL));
    }

    /** Patches over the picture, each checked where it lands rectified; returns how many were checked. */
    private static int landsWhereThePinholeSeesIt(CameraCalibration camera) {
        double[] ray = new double[2];
        double roll = Math.toRadians(camera.rollDeg());
        int checked = 0;
        try (Rectification r = new Rectification(lens(camera), W, H);
             Mat picture = new Mat(H, W, CV_8UC3, new Scalar(0, 0, 0, 0));
             Mat out = new Mat()) {
            for (int v = 30; v < H - 30; v += 40) {
                for (int u = 40; u < W - 40; u += 60) {
                    patch(picture, u, v);
                    r.apply(picture, out);
                    // where the level pinhole camera sees that ray: the renderer's own model, not OpenCV's
                    camera.undistort(u + 0.5, v + 0.5, ray);
                    double x = ray[0] * Math.cos(roll) - ray[1] * Math.sin(roll);
                    double y = ray[0] * Math.sin(roll) + ray[1] * Math.cos(roll);
                    double expectU = camera.fx() * x + camera.cx() - 0.5; // pixel centres at integers
                    double expectV = camera.fy() * y + camera.cy() - 0.5;
                    double[] centroid = centroid(out);
                    String where = "the patch at (" + u + ", " + v + ")";
                    if (expectU < 8 || expectV < 8 || expectU > W - 9 || expectV > H - 9) {
                        continue; // its image would be cut by the rectified picture's edge
                    }
                    assertEquals(expectU, centroid[0], 0.1, where + ": column");
                    assertEquals(expectV, centroid[1], 0.1, where + ": row");
                    checked++;
                }
            }
        }
        return checked;
    }

    /**
     * A fisheye (equidistant) lens: a point seen at angle θd·(1 + …) off the axis lands where a pinhole sees the ray
     * at angle θ, {@code θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸)} solved here by Newton's method, not by OpenCV.
     */
    @Test
    void aFisheyePointLandsWhereThePinholeSeesItsAngle() {
        double fx = 150;
        double fy = 150;
        double cx = 159.5;
        double cy = 95.5;
        double[] kf = {0.08, -0.02, 0.004, -0.0005};
        Rectification.Lens lens = Rectification.Lens.fisheye(fx, fy, cx, cy, kf[0], kf[1], kf[2], kf[3], 0);
        assertFalse(lens.isPinholeAndLevel());
        assertEquals("equidistant k1 0.080, k2 -0.020, k3 0.004, k4 -0.001", lens.describe());
        int checked = 0;
        try (Rectification r = new Rectification(lens, W, H);
             Mat picture = new Mat(H, W, CV_8UC3, new Scalar(0, 0, 0, 0));
             Mat out = new Mat()) {
            for (int v = 36; v < H - 30; v += 40) {
                for (int u = 60; u < W - 40; u += 50) {
                    patch(picture, u, v);
                    r.apply(picture, out);
                    double xd = (u - cx) / fx;
                    double yd = (v - cy) / fy;
                    double thetaD = Math.hypot(xd, yd);
                    double theta = thetaD;
                    for (int i = 0; i < 50; i++) {
                        double t2 = theta * theta;
                        double f = theta * (1 + t2 * (kf[0] + t2 * (kf[1] + t2 * (kf[2] + t2 * kf[3])))) - thetaD;
                        double df = 1 + t2 * (3 * kf[0] + t2 * (5 * kf[1] + t2 * (7 * kf[2] + t2 * 9 * kf[3])));
                        theta -= f / df;
                    }
                    double scale = thetaD == 0 ? 1 : Math.tan(theta) / thetaD;
                    double expectU = fx * xd * scale + cx;
                    double expectV = fy * yd * scale + cy;
                    if (expectU < 8 || expectV < 8 || expectU > W - 9 || expectV > H - 9) {
                        continue;
                    }
                    double[] centroid = centroid(out);
                    assertEquals(expectU, centroid[0], 0.1, "column of the patch at (" + u + ", " + v + ")");
                    assertEquals(expectV, centroid[1], 0.1, "row of the patch at (" + u + ", " + v + ")");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 8, "patches checked: " + checked);
        assertTrue(Rectification.reachFisheye(kf[0], kf[1], kf[2], kf[3]) > Rectification.cornerRadius(W, H, fx, fy,
                cx + 0.5, cy + 0.5), "this lens reaches the corners");
    }

    @Test
    void exactValuesStayExactAndWhatTheCameraDidNotSeeIsMarked() {
        // a pincushion lens rolled: the rectified camera sees beyond the source's edges at its corners
        CameraCalibration pincushion = new CameraCalibration("tele", W, H, 300, 300, 160, 96, 0.25, 0, 0, 0, 1.4, 0,
                -6);
        try (Rectification r = new Rectification(lens(pincushion), W, H);
             Mat ids = new Mat(H, W, CV_8UC1);
             Mat out = new Mat();
             Scalar none = new Scalar(255)) {
            try (UByteIndexer idx = ids.createIndexer()) {
                for (int v = 0; v < H; v++) {
                    for (int u = 0; u < W; u++) {
                        idx.put(v, u, (u / 40 + 3 * (v / 48)) % 11); // class ids 0..10 in blocks
                    }
                }
            }
            r.applyNearest(ids, out, none);
            Set<Integer> seen = new HashSet<>();
            try (UByteIndexer idx = out.createIndexer()) {
                for (int v = 0; v < H; v++) {
                    for (int u = 0; u < W; u++) {
                        seen.add(idx.get(v, u));
                    }
                }
                assertEquals(255, idx.get(0, 0), "the corner lies beyond what the camera saw");
                assertEquals((W / 2 / 40 + 3 * (H / 2 / 48)) % 11, idx.get(H / 2, W / 2), "the centre keeps its id");
            }
            assertTrue(seen.contains(255));
            seen.remove(255);
            assertTrue(seen.stream().allMatch(id -> id >= 0 && id <= 10), "only the map's own ids: " + seen);
        }
    }

    @Test
    void aLevelPinholeHasNothingToUndo() {
        CameraCalibration pinhole = new CameraCalibration("pin", W, H, 170, 170, 160, 96, 0, 0, 0, 0, 1.4, 2.0, 0);
        assertTrue(lens(pinhole).isPinholeAndLevel());
        assertFalse(lens(CAMERA).isPinholeAndLevel());
        assertEquals("k1 -0.300, k2 0.080, p1 0.002, p2 -0.001, roll 4.0°", lens(CAMERA).describe());
        assertEquals(null, io.roadseg.pipeline.PipelineConfig.defaults(io.roadseg.pipeline.PipelineMode.EVERY_FRAME)
                .withLens(lens(pinhole)).lens(), "nothing to undo: no rectification");
    }

    /** Blacks the picture out but for a 3x3 bright patch centred on pixel (u, v) (its centre at u + 0.5, v + 0.5). */
    private static void patch(Mat picture, int u, int v) {
        picture.put(new Scalar(0, 0, 0, 0));
        try (UByteIndexer px = picture.createIndexer()) {
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    for (int c = 0; c < 3; c++) {
                        px.put(v + dy, u + dx, c, 255);
                    }
                }
            }
        }
    }

    /** The brightness-weighted centre of a picture's first channel, pixel centres at integers. */
    private static double[] centroid(Mat bgr) {
        double sum = 0;
        double su = 0;
        double sv = 0;
        try (UByteIndexer px = bgr.createIndexer()) {
            for (int v = 0; v < bgr.rows(); v++) {
                for (int u = 0; u < bgr.cols(); u++) {
                    int b = px.get(v, u, 0);
                    sum += b;
                    su += b * (double) u;
                    sv += b * (double) v;
                }
            }
        }
        return new double[] {su / sum, sv / sum};
    }
}
