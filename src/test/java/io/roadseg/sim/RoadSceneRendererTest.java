package io.roadseg.sim;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;

import static io.roadseg.sim.SceneClasses.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Determinism and geometry of the synthetic drives. */
class RoadSceneRendererTest {
    private static CameraCalibration camera(double pitchDeg) {
        return new CameraCalibration("test", 240, 176, 200, 200, 120, 88, 0, 0, 0, 0, 1.4, pitchDeg, 0);
    }

    private static String hash(SimDrive drive, int frames) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        int n = drive.camera().width() * drive.camera().height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        ByteBuffer depthBytes = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        TownScene town = drive.buildScene();
        RoadSceneRenderer r = new RoadSceneRenderer(drive.camera());
        for (int i = 0; i < frames; i++) {
            drive.render(town, r, i * 7, bgr, ids, depth);
            md.update(bgr);
            md.update(ids);
            depthBytes.clear();
            depthBytes.asFloatBuffer().put(depth);
            md.update(depthBytes.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void theSameSeedGivesBitIdenticalFramesLabelsAndDepth() throws Exception {
        SimDrive drive = new SimDrive("town", 7, 300, 30, 36, camera(2));
        String first = hash(drive, 20);
        assertEquals(first, hash(drive, 20));
        // Pinned: a change here means drives recorded earlier no longer match their seed.
        assertEquals(PINNED, first);
    }

    static final String PINNED = "65f1b127b7efa88991a803c055539d5835b07055d3f0c4f52385e7ada4246a15";

    @Test
    void theSuburbSetsItsHousesBackAndShowsTreeLinesBeyondThem() throws Exception {
        CameraCalibration cam = camera(2);
        SimDrive town = new SimDrive("town", 11, 300, 30, 36, cam);
        SimDrive suburb = new SimDrive("suburb", 11, 300, 30, 36, cam);
        double[] t = housesAndFarTrees(town);
        double[] s = housesAndFarTrees(suburb);
        assertTrue(s[0] > 1.5 * t[0], "median house depth: suburb " + s[0] + " m, town " + t[0] + " m");
        assertTrue(s[1] > 0.01 && s[1] > 3 * t[1], "share of the frame that is tree above the horizon beyond 25 m: "
                + "suburb " + s[1] + ", town " + t[1]);
        assertEquals(hash(suburb, 3), hash(suburb, 3));
        assertTrue(!hash(suburb, 3).equals(hash(town, 3)));
    }

    /** Median depth of the building pixels and the share of tree pixels above the horizon beyond 25 m, 6 frames. */
    private static double[] housesAndFarTrees(SimDrive drive) {
        CameraCalibration cam = drive.camera();
        int n = cam.width() * cam.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        TownScene scene = drive.buildScene();
        RoadSceneRenderer r = new RoadSceneRenderer(cam);
        java.util.List<Float> houses = new java.util.ArrayList<>();
        long farTrees = 0;
        for (int f = 0; f < 6; f++) {
            drive.render(scene, r, f * 40, bgr, ids, depth);
            for (int i = 0; i < n; i++) {
                if (ids[i] == BUILDING) {
                    houses.add(depth[i]);
                } else if (ids[i] == TREE && i / cam.width() < cam.cy() && depth[i] > 25) {
                    farTrees++;
                }
            }
        }
        java.util.Collections.sort(houses);
        return new double[]{houses.get(houses.size() / 2), farTrees / (6.0 * n)};
    }

    @Test
    void aDifferentSeedGivesADifferentDrive() throws Exception {
        assertTrue(!hash(new SimDrive("town", 7, 300, 30, 36, camera(2)), 3)
                .equals(hash(new SimDrive("town", 8, 300, 30, 36, camera(2)), 3)));
    }

    @Test
    void aFlatRoadPixelHasThePinholeAndMountingHeightDepth() {
        CameraCalibration cam = camera(2);
        SimDrive drive = new SimDrive("town", 3, 10, 30, 36, cam);
        int n = cam.width() * cam.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        drive.render(drive.buildScene(), new RoadSceneRenderer(cam), 0, bgr, ids, depth);
        double pitch = Math.toRadians(cam.pitchDeg());
        for (int v = cam.height() - 30; v < cam.height(); v += 7) {
            int u = cam.width() / 2;
            int i = v * cam.width() + u;
            assertEquals(ROAD, ids[i], "pixel (" + u + "," + v + ") is road");
            double y = (v + 0.5 - cam.cy()) / cam.fy();
            double expected = cam.mountHeightM() / (y * Math.cos(pitch) + Math.sin(pitch));
            assertEquals(expected, depth[i], expected * 1e-3, "depth at row " + v);
        }
    }

    @Test
    void noGroundLiesAboveTheHorizonRow() {
        CameraCalibration cam = camera(3);
        SimDrive drive = new SimDrive("town", 5, 300, 30, 36, cam);
        int n = cam.width() * cam.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        TownScene town = drive.buildScene();
        RoadSceneRenderer r = new RoadSceneRenderer(cam);
        int horizon = (int) Math.floor(cam.horizonRow() - 0.5);
        assertEquals(88 - 200 * Math.tan(Math.toRadians(3)), cam.horizonRow(), 1e-9);
        boolean roadJustBelow = false;
        for (int f = 0; f < 300; f += 30) {
            drive.render(town, r, f, bgr, ids, depth);
            for (int v = 0; v <= horizon; v++) {
                for (int u = 0; u < cam.width(); u++) {
                    int c = ids[v * cam.width() + u];
                    assertTrue(c != ROAD && c != PAVEMENT, "ground class " + c + " above the horizon at row " + v);
                }
            }
            int below = (horizon + 3) * cam.width();
            for (int u = 0; u < cam.width(); u++) {
                roadJustBelow |= ids[below + u] == ROAD;
            }
        }
        assertTrue(roadJustBelow, "the road reaches the horizon");
    }

    @Test
    void aCarAtAKnownDistanceHasThatDepth() {
        CameraCalibration cam = camera(0);
        SimDrive drive = new SimDrive("town", 11, 10, 30, 0, cam);
        TownScene town = drive.buildScene();
        town.movers.clear();
        double sCamera = 5; // SimDrive starts the camera 5 m along the road
        double rear = 20;
        town.movers.add(new TownScene.Mover(CAR, sCamera + rear + 2.2, 0, town.egoLane, 0.9, 1.5, 2.2, 0));
        int n = cam.width() * cam.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        drive.render(town, new RoadSceneRenderer(cam), 0, bgr, ids, depth);
        int v = (int) (cam.cy() + cam.fy() * (1.4 - 0.7) / rear); // 0.7 m above the road, on the rear face
        int i = v * cam.width() + cam.width() / 2;
        assertEquals(CAR, ids[i]);
        assertEquals(rear, depth[i], 1e-3);
    }

    @Test
    void allElevenClassesAppearOverADrive() {
        CameraCalibration cam = camera(2);
        SimDrive drive = new SimDrive("town", 7, 300, 30, 36, cam);
        int n = cam.width() * cam.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        long[] count = new long[COUNT];
        TownScene town = drive.buildScene();
        RoadSceneRenderer r = new RoadSceneRenderer(cam);
        for (int f = 0; f < 300; f += 5) {
            drive.render(town, r, f, bgr, ids, depth);
            for (byte c : ids) {
                count[c]++;
            }
        }
        for (int c = 0; c < COUNT; c++) {
            assertTrue(count[c] > 0, "class " + c + " never appears");
        }
    }

    @Test
    void skyHasUnknownDepthAndEverythingElsePositiveDepth() {
        CameraCalibration cam = camera(2);
        SimDrive drive = new SimDrive("town", 9, 10, 30, 36, cam);
        int n = cam.width() * cam.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        drive.render(drive.buildScene(), new RoadSceneRenderer(cam), 4, bgr, ids, depth);
        for (int i = 0; i < n; i++) {
            if (ids[i] == SKY) {
                assertEquals(0f, depth[i]);
            } else {
                assertTrue(depth[i] > 0, "pixel " + i + " class " + ids[i]);
            }
        }
    }
}
