package io.roadseg.ros;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A camera's mount from its pose in the ground frame, in a body frame and in an optical frame. */
class CameraMountTest {
    @Test
    void aBodyFramePitchedDownAndRolled() {
        double p = Math.toRadians(4);
        double r = Math.toRadians(-1.5);
        // R = Ry(p)·Rx(r): pitched down about y (REP 103: x forward, y left, z up), rolled about x
        double[] ry = {Math.cos(p), 0, Math.sin(p), 0, 1, 0, -Math.sin(p), 0, Math.cos(p)};
        double[] rx = {1, 0, 0, 0, Math.cos(r), -Math.sin(r), 0, Math.sin(r), Math.cos(r)};
        double[] rot = new double[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 3; k++) {
                    rot[3 * i + j] += ry[3 * i + k] * rx[3 * k + j];
                }
            }
        }
        CameraMount m = CameraMount.of("base_footprint", "camera_link", rot, new double[] {1.2, 0.1, 1.45});
        assertEquals(1.45, m.heightM(), 1e-12);
        assertEquals(4, m.pitchDownDeg(), 1e-9);
        assertEquals(-1.5, m.rollDeg(), 1e-9, "rolled about x forward by -1.5°: the picture's right side rises");
    }

    @Test
    void aLevelOpticalFrame() {
        // optical axes (x right, y down, z forward) in a ground frame (x forward, y left, z up): columns
        double[] rot = {0, 0, 1, -1, 0, 0, 0, -1, 0};
        CameraMount m = CameraMount.of("base_link", "cam_optical_frame", rot, new double[] {0, 0, 1.6});
        assertEquals(0, m.pitchDownDeg(), 1e-12);
        assertEquals(0, m.rollDeg(), 1e-12);
        assertEquals(1.6, m.heightM(), 1e-12);
    }

    /**
     * An optical frame named as a dataset names its camera ({@code CAM_FRONT}, nuScenes' through Foxglove's
     * converter): its axes, y down, say what its name does not; the same camera as a body frame stays a body frame.
     */
    @Test
    void anOpticalFrameIsToldByItsAxesWhereItsNameDoesNotSay() {
        double p = Math.toRadians(2);
        // optical axes of a camera pitched 2° down: x right, y down-and-back, z forward-and-down (columns)
        double[] optical = {0, Math.sin(p), Math.cos(p), -1, 0, 0, 0, -Math.cos(p), -Math.sin(p)};
        CameraMount named = CameraMount.of("base_link", "CAM_FRONT", optical, new double[] {1.7, 0, 1.5});
        assertEquals(2, named.pitchDownDeg(), 1e-9);
        assertEquals(0, named.rollDeg(), 1e-9);
        CameraMount byName = CameraMount.of("base_link", "cam_front_optical", optical, new double[] {1.7, 0, 1.5});
        assertEquals(byName.pitchDownDeg(), named.pitchDownDeg(), 1e-12);
        assertEquals(byName.rollDeg(), named.rollDeg(), 1e-12);
        // a body frame pitched 2° down (x forward-and-down, z up-and-forward): not taken for an optical one
        double[] body = {Math.cos(p), 0, Math.sin(p), 0, 1, 0, -Math.sin(p), 0, Math.cos(p)};
        assertEquals(2, CameraMount.of("base_link", "CAM_FRONT", body, new double[] {1.7, 0, 1.5}).pitchDownDeg(),
                1e-9);
    }
}
