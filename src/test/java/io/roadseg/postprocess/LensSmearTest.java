package io.roadseg.postprocess;

import io.roadseg.TestData;
import io.roadseg.preprocess.CameraHealth;
import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraReading;
import io.roadseg.preprocess.Rectification;
import io.roadseg.preprocess.RegionGrid;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_GRAYSCALE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A smear over part of the lens: the camera check's regions and the smear check together, on a moving textured scene
 * (a smear found, the sky's smooth gradient not taken for one, unreadable frames not counted) and on CamVid's real
 * frames of sequence 0006R0 with their true labels as the classes (clean: never; smeared: every frame once the window
 * has enough).
 */
class LensSmearTest {
    private static final int W = 480;
    private static final int H = 352;
    private static final int SKY = 0;
    private static final int ROAD = 3;
    private static final int SKY_ROWS = 110;

    /** A wide world of sharp-edged grey patches under a smooth sky, seen through a window moving 7 px a frame. */
    private static final class Scene {
        final byte[] world;
        final int worldWidth = W + 7 * 60;

        Scene(long seed) {
            world = new byte[worldWidth * H];
            SplittableRandom random = new SplittableRandom(seed);
            java.util.Arrays.fill(world, (byte) 128);
            for (int k = 0; k < 9000; k++) {
                int w = 4 + random.nextInt(20);
                int h = 4 + random.nextInt(20);
                int x0 = random.nextInt(worldWidth - w);
                int y0 = random.nextInt(H - h);
                byte v = (byte) (40 + random.nextInt(180));
                for (int y = y0; y < y0 + h; y++) {
                    java.util.Arrays.fill(world, y * worldWidth + x0, y * worldWidth + x0 + w, v);
                }
            }
        }

        /** Frame {@code i} as packed BGR, the sky a smooth gradient from 230 to 130 over its rows. */
        void frame(int i, ByteBuffer bgr) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    int v = y < SKY_ROWS ? 230 - 100 * y / SKY_ROWS : world[y * worldWidth + x + 7 * i] & 0xff;
                    int b = 3 * (y * W + x);
                    bgr.put(b, (byte) v).put(b + 1, (byte) v).put(b + 2, (byte) v);
                }
            }
        }
    }

    /** The lower left of the picture (40 % of its width, 60 % of its height) blurred by a Gaussian of σ pixels. */
    private static void smear(ByteBuffer bgr, int w, int h, double sigma) {
        try (BytePointer p = new BytePointer(bgr); Mat m = new Mat(h, w, CV_8UC3, p)) {
            smear(m, sigma);
        }
    }

    private static void smear(Mat m, double sigma) {
        int w = m.cols();
        int h = m.rows();
        try (Rect r = new Rect(0, h - (int) (0.6 * h), (int) (0.4 * w), (int) (0.6 * h)); Mat roi = new Mat(m, r);
             Size auto = new Size(0, 0)) {
            GaussianBlur(roi, roi, auto, sigma);
        }
    }

    private static ByteBuffer classes(int skyRows) {
        ByteBuffer b = ByteBuffer.allocateDirect(W * H);
        for (int i = 0; i < W * H; i++) {
            b.put(i, (byte) (i / W < skyRows ? SKY : ROAD));
        }
        return b;
    }

    /** Runs {@code frames} frames of the scene, smeared or not, and returns each frame's issue from the smear check. */
    private static CameraIssue[] run(int frames, double sigma, ByteBuffer classes, boolean readable,
                                     CameraReading reading) {
        Scene scene = new Scene(7);
        CameraHealth health = new CameraHealth(W, H);
        LensSmear smear = new LensSmear(W, H, new int[] {SKY});
        ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
        CameraIssue[] issues = new CameraIssue[frames];
        for (int i = 0; i < frames; i++) {
            scene.frame(i, bgr);
            if (sigma > 0) {
                smear(bgr, W, H, sigma);
            }
            health.measure(bgr, i * 40_000L, reading);
            assertEquals(0, reading.issues(), "the picture check finds frame " + i + " readable");
            issues[i] = smear.read(reading, classes, readable);

        }
        return issues;
    }

    @Test
    void aSmearOverACornerIsFoundOnceTheWindowHasEnough() {
        CameraReading reading = new CameraReading();
        CameraIssue[] issues = run(40, 10, classes(SKY_ROWS), true, reading);
        for (int i = 0; i < issues.length; i++) {
            assertEquals(i >= LensSmear.MIN_FRAMES - 1 ? CameraIssue.SMEARED : null, issues[i], "frame " + i);
        }
        // the smear covers 40 % × 60 % of the picture, 9 of its 48 regions whole; the sky's 16 are not read, nor the
        // smeared ones left without contrast
        assertTrue(reading.softShare() >= 3 / 32f && reading.softShare() <= 9 / 32f, "soft share "
                + reading.softShare());
        assertTrue(reading.smearEdge() < LensSmear.SOFT_EDGE, "smear edge " + reading.smearEdge());
    }

    @Test
    void aSharpSceneUnderASmoothSkyIsNot() {
        CameraReading reading = new CameraReading();
        CameraIssue[] issues = run(40, 0, classes(SKY_ROWS), true, reading);
        for (int i = 0; i < issues.length; i++) {
            assertNull(issues[i], "frame " + i);
        }
        assertEquals(0f, reading.softShare(), "soft share");
        assertTrue(reading.smearEdge() > 2 * LensSmear.SOFT_EDGE, "smear edge " + reading.smearEdge());
        // the sky's gradient reads as soft as a smear: only its classes keep it out
        CameraIssue[] skyAsRoad = run(40, 0, classes(0), true, new CameraReading());
        assertEquals(CameraIssue.SMEARED, skyAsRoad[39], "a smooth gradient taken for ground");
    }

    /**
     * {@code --rotate 180}: the camera check reads the camera's own picture (its sky along the top), the network the
     * turned one (the sky along the bottom of its class map). Laid on the camera's regions through the turn, the sky
     * is kept out; laid on them as they are, the class map puts ground over the camera's sky, whose smooth gradient
     * reads as a smear.
     */
    @Test
    void theNetworksTurnedPictureIsLaidOnTheCamerasRegions() {
        ByteBuffer turned = ByteBuffer.allocateDirect(W * H);
        ByteBuffer upright = classes(SKY_ROWS);
        for (int i = 0; i < W * H; i++) {
            turned.put(i, upright.get(W * H - 1 - i));
        }
        Rectification.Lens half = new Rectification.Lens(400, 400, (W - 1) / 2.0, (H - 1) / 2.0, 0, 0, 0, 0, 0, 180);
        byte[] seen;
        try (Rectification r = new Rectification(half, W, H)) {
            seen = new RegionGrid(W, H).seenThrough(r);
        }
        RegionGrid grid = new RegionGrid(W, H);
        assertEquals(grid.regionOf(W - 1, H - 1), seen[0], "the turned picture's corner shows the camera's opposite one");
        Scene scene = new Scene(7);
        ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
        CameraHealth health = new CameraHealth(W, H);
        CameraReading reading = new CameraReading();
        LensSmear laid = new LensSmear(W, H, new int[] {SKY}, seen);
        LensSmear asIs = new LensSmear(W, H, new int[] {SKY});
        CameraIssue without = null;
        for (int i = 0; i < 40; i++) {
            scene.frame(i, bgr);
            health.measure(bgr, i * 40_000L, reading);
            assertNull(laid.read(reading, turned, true), "frame " + i);
            without = asIs.read(reading, turned, true);
        }
        assertEquals(CameraIssue.SMEARED, without, "the camera's sky taken for the ground it is turned to");
    }

    @Test
    void framesThePictureCheckCannotReadAreNotCounted() {
        CameraReading reading = new CameraReading();
        CameraIssue[] issues = run(40, 10, classes(SKY_ROWS), false, reading);
        for (int i = 0; i < issues.length; i++) {
            assertNull(issues[i], "frame " + i);
        }
        assertTrue(Float.isNaN(reading.softShare()), "nothing read: " + reading.softShare());
    }

    @Test
    void aSharpEdgeIsSteepAndABlurredOneIsNot() {
        // a vertical step of 100 levels through every region's middle: ~1 sharp, ~1/(2.5σ) blurred by σ = 4
        ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
        CameraReading reading = new CameraReading();
        CameraHealth health = new CameraHealth(W, H);
        for (int blur = 0; blur < 2; blur++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    int v = (x % 60) < 30 ? 80 : 180;
                    for (int c = 0; c < 3; c++) {
                        bgr.put(3 * (y * W + x) + c, (byte) v);
                    }
                }
            }
            if (blur == 1) {
                smear(bgr, W, H, 4);
            }
            health.measure(bgr, 0, reading);
            int r = reading.regions().regionOf(W / 2 + 45, H / 2);
            int corner = reading.regions().regionOf(30, H - 30);
            assertEquals(1.0, reading.regionEdge(r), 0.15, "a sharp region, blurred " + (blur == 1));
            assertEquals(blur == 1 ? 0.1 : 1.0, reading.regionEdge(corner), blur == 1 ? 0.03 : 0.15,
                    "the lower left corner, blurred " + (blur == 1));
        }
        // a flat picture has no edge to read
        for (int i = 0; i < W * H * 3; i++) {
            bgr.put(i, (byte) 90);
        }
        health.measure(bgr, 40_000, reading);
        assertTrue(Float.isNaN(reading.regionEdge(0)), "no contrast: " + reading.regionEdge(0));
    }

    /**
     * CamVid 0006R0 (101 frames, a second apart, at 480×352 as the network sees them) with its true labels for the
     * sky: clean, no frame is smeared; its lower left blurred by σ 15 at its own 960×720 (the degraded set's smear,
     * {@code scripts/degraded-inputs.py}: σ 7.5 as the network sees it), every frame from the window's 15th.
     */
    @Test
    void camvidsRealFramesSmearedAndNot() throws IOException {
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("trainannot")), camvid + " not present");
        List<Path> images;
        try (Stream<Path> s = Files.list(camvid.resolve("train"))) {
            images = s.filter(p -> p.getFileName().toString().startsWith("0006R0")).sorted().toList();
        }
        assertTrue(images.size() >= 90, "0006R0 frames: " + images.size());
        for (double sigma : new double[] {0, 15}) {
            CameraHealth health = new CameraHealth(W, H, true);
            LensSmear smear = new LensSmear(W, H, new int[] {SKY});
            CameraReading reading = new CameraReading();
            ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
            ByteBuffer classes = ByteBuffer.allocateDirect(W * H);
            int said = 0;
            for (int i = 0; i < images.size(); i++) {
                Path label = camvid.resolve("trainannot").resolve(images.get(i).getFileName());
                try (Mat image = imread(images.get(i).toString(), IMREAD_COLOR);
                     Mat labels = imread(label.toString(), IMREAD_GRAYSCALE);
                     Mat small = new Mat(); Mat smallLabels = new Mat(); Size size = new Size(W, H)) {
                    if (sigma > 0) {
                        smear(image, sigma);
                    }
                    resize(image, small, size, 0, 0, INTER_AREA);
                    resize(labels, smallLabels, size, 0, 0, INTER_NEAREST);
                    bgr.put(0, small.data().capacity(W * H * 3L).asByteBuffer(), 0, W * H * 3);
                    try (UByteIndexer idx = smallLabels.createIndexer()) {
                        for (int y = 0; y < H; y++) {
                            for (int x = 0; x < W; x++) {
                                classes.put(y * W + x, (byte) idx.get(y, x));
                            }
                        }
                    }
                }
                health.measure(bgr, i * 1_000_000L, reading);
                CameraIssue issue = smear.read(reading, classes, reading.issues() == 0);
                if (sigma == 0) {
                    assertNull(issue, "clean frame " + i + ", soft share " + reading.softShare());
                } else if (i >= LensSmear.MIN_FRAMES - 1) {
                    said += issue == CameraIssue.SMEARED ? 1 : 0;
                }
            }
            if (sigma > 0) {
                int expected = images.size() - LensSmear.MIN_FRAMES + 1;
                assertEquals(expected, said, "smeared frames from the 15th");
            }
        }
    }
}
