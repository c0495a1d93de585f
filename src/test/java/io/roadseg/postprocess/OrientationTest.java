package io.roadseg.postprocess;

import io.roadseg.TestData;
import io.roadseg.preprocess.CameraIssue;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.bytedeco.opencv.global.opencv_core.ROTATE_180;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_CLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.rotate;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_GRAYSCALE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The way up, read from class maps: CamVid's true labels as they are, turned by 180° and by 90°. */
class OrientationTest {
    private static final int[] SKY = {0};
    private static final int[] GROUND = {3, 4};

    /** A class map: sky over the top {@code skyRows}, road under the rest (building between). */
    private static ByteBuffer scene(int w, int h, int skyRows, int roadFrom) {
        ByteBuffer b = ByteBuffer.allocateDirect(w * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b.put(y * w + x, (byte) (y < skyRows ? 0 : y >= roadFrom ? 3 : 1));
            }
        }
        return b;
    }

    private static ByteBuffer turned(ByteBuffer upright, int w, int h) {
        ByteBuffer b = ByteBuffer.allocateDirect(w * h);
        for (int i = 0; i < w * h; i++) {
            b.put(i, upright.get(w * h - 1 - i));
        }
        return b;
    }

    @Test
    void framesWithTheSkyBelowTheRoadAreUpsideDown() {
        Orientation o = new Orientation(64, 48, SKY, GROUND);
        ByteBuffer upright = scene(64, 48, 16, 30);
        ByteBuffer down = turned(upright, 64, 48);
        for (int i = 0; i < 40; i++) {
            assertNull(o.read(upright, true), "frame " + i);
        }
        assertEquals(1.0 + 1.0, o.lastUp(), 1e-9, "the top band all sky, the bottom band all road");
        // the window's mean falls from 2 by 4/30 a turned frame: at or under -0.2 from the 17th
        for (int i = 1; i <= Orientation.WINDOW; i++) {
            CameraIssue issue = o.read(down, true);
            assertEquals(i >= 17 ? CameraIssue.UPSIDE_DOWN : null, issue, "turned frame " + i);
        }
        assertEquals(-2.0, o.lastUp(), 1e-9);
        // frames that cannot tell (a tunnel: neither sky nor road) and unreadable ones are not counted
        ByteBuffer tunnel = scene(64, 48, 0, 48);
        for (int i = 0; i < 40; i++) {
            assertEquals(CameraIssue.UPSIDE_DOWN, o.read(tunnel, true));
            assertEquals(CameraIssue.UPSIDE_DOWN, o.read(upright, false));
        }
        for (int i = 1; i <= 14; i++) {
            assertEquals(i < 14 ? CameraIssue.UPSIDE_DOWN : null, o.read(upright, true), "upright again, frame " + i);
        }
    }

    @Test
    void nothingIsSaidBeforeHalfAWindow() {
        Orientation o = new Orientation(64, 48, SKY, GROUND);
        ByteBuffer down = turned(scene(64, 48, 16, 30), 64, 48);
        for (int i = 1; i <= Orientation.MIN_FRAMES; i++) {
            assertEquals(i == Orientation.MIN_FRAMES ? CameraIssue.UPSIDE_DOWN : null, o.read(down, true));
        }
    }

    @Test
    void aPictureOnItsSideIsSideways() {
        int w = 48;
        int h = 64;
        // the sky down the left side, the road down the right
        ByteBuffer side = ByteBuffer.allocateDirect(w * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                side.put(y * w + x, (byte) (x < 14 ? 0 : x >= 30 ? 3 : 1));
            }
        }
        Orientation o = new Orientation(w, h, SKY, GROUND);
        CameraIssue issue = null;
        for (int i = 0; i < Orientation.MIN_FRAMES; i++) {
            issue = o.read(side, true);
        }
        assertEquals(CameraIssue.SIDEWAYS, issue);
        assertEquals(2.0, o.lastSide(), 1e-9);
        assertEquals(0.0, o.lastUp(), 1e-9);
    }

    /**
     * CamVid's true labels (468 frames of train and val, five sequences, day and dusk): every frame that votes votes
     * up; the same labels turned by 180° vote down and turned by 90° vote sideways, frame by frame.
     */
    @Test
    void camvidsTrueLabelsAreUprightAndTurnedOnesAreNot() throws IOException {
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("trainannot")), camvid + " not present");
        List<Path> labels;
        try (Stream<Path> a = Files.list(camvid.resolve("trainannot")); Stream<Path> b = Files.list(
                camvid.resolve("valannot"))) {
            labels = Stream.concat(a, b).filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertTrue(labels.size() >= 400, "labels: " + labels.size());
        int[] votes = new int[3]; // upright, turned 180°, turned 90°: frames voting as they should
        int[] wrong = new int[3];
        double lowestUp = Double.POSITIVE_INFINITY;
        for (Path label : labels) {
            try (Mat m = imread(label.toString(), IMREAD_GRAYSCALE); Mat down = new Mat(); Mat side = new Mat()) {
                rotate(m, down, ROTATE_180);
                rotate(m, side, ROTATE_90_CLOCKWISE);
                Mat[] views = {m, down, side};
                for (int k = 0; k < 3; k++) {
                    Orientation o = new Orientation(views[k].cols(), views[k].rows(), SKY, GROUND);
                    o.read(bytes(views[k]), true);
                    double up = o.lastUp();
                    double across = o.lastSide();
                    // each frame alone as a window of it: what the thresholds call it
                    boolean sideVote = Math.abs(across) > Math.abs(up) && Math.abs(across)
                            >= Orientation.SIDEWAYS_SCORE;
                    boolean downVote = !sideVote && up <= Orientation.UPSIDE_DOWN_SCORE;
                    boolean upVote = !sideVote && !downVote;
                    boolean right = k == 0 ? upVote : k == 1 ? downVote : sideVote;
                    boolean other = k == 0 ? downVote || sideVote : k == 1 ? upVote || sideVote : upVote || downVote;
                    votes[k] += right ? 1 : 0;
                    wrong[k] += other ? 1 : 0;
                    if (k == 0) {
                        lowestUp = Math.min(lowestUp, up);
                    }
                }
            }
        }
        String report = String.format("of %d frames: upright %d up, %d otherwise; 180° %d down, %d otherwise; 90° %d "
                + "sideways, %d otherwise; lowest up score %.2f", labels.size(), votes[0], wrong[0], votes[1],
                wrong[1], votes[2], wrong[2], lowestUp);
        System.out.println("orientation, CamVid true labels " + report);
        assertEquals(0, wrong[0] + wrong[1] + wrong[2], report);
        assertTrue(votes[0] >= 0.95 * labels.size() && votes[1] >= 0.95 * labels.size()
                && votes[2] >= 0.95 * labels.size(), report);
    }

    private static ByteBuffer bytes(Mat m) {
        ByteBuffer b = ByteBuffer.allocateDirect(m.rows() * m.cols());
        try (UByteIndexer idx = m.createIndexer()) {
            for (int y = 0; y < m.rows(); y++) {
                for (int x = 0; x < m.cols(); x++) {
                    b.put(y * m.cols() + x, (byte) idx.get(y, x));
                }
            }
        }
        return b;
    }
}
