package io.roadseg.preprocess;

import io.roadseg.TestData;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The camera check on real frames (nothing raised) and on degraded copies of them (the issue each degradation is),
 * and its figures against pictures of known noise, texture and history.
 */
class CameraHealthTest {
    private static final int W = 480;
    private static final int H = 352;

    @Test
    void realFramesRaiseNothingAndEachDegradationItsOwnIssue() throws Exception {
        Path camvid = TestData.root().resolve("camvid");
        Assumptions.assumeTrue(Files.isDirectory(camvid.resolve("train")), camvid + " not present");
        List<Path> frames = new ArrayList<>();
        for (String sequence : List.of("0001TP", "0006R0", "0016E5")) { // dusk, day, day
            try (Stream<Path> files = Files.list(camvid.resolve("train"))) {
                files.filter(p -> p.getFileName().toString().startsWith(sequence)).sorted().findFirst()
                        .ifPresent(frames::add);
            }
        }
        assertEquals(3, frames.size(), "one frame of each training sequence");
        Path still = TestData.root().resolve("drives/stills/solidWhiteRight.jpg"); // a dash camera's, on a highway
        if (Files.isRegularFile(still)) {
            frames.add(still);
        }
        Random noise = new Random(7);
        for (Path frame : frames) {
            ByteBuffer clean = modelSized(frame);
            String name = frame.getFileName().toString();
            assertEquals(0, issues(clean), name + " as recorded: " + describe(clean));
            assertEquals(CameraIssue.DARK.bit(), issues(map(clean, v -> Math.round(v * 0.12f))), name + " at night");
            assertEquals(CameraIssue.WASHED_OUT.bit(), issues(map(clean, v -> Math.round(v * 0.3f + 168))),
                    name + " in fog");
            assertEquals(0, issues(map(clean, v -> Math.round(v * 0.4f))), name + " at dusk is still readable");
            assertEquals(CameraIssue.NOISY.bit(), issues(map(clean,
                    v -> clamp(Math.round(v + 60 * (float) noise.nextGaussian())))), name + " with heavy noise");
            assertTrue(CameraIssue.BLURRED.in(issues(blurred(clean, 6))), name + " out of focus");
            ByteBuffer half = copy(clean);
            for (int i = 0; i < W * H / 2 * 3; i++) {
                half.put(i, (byte) 40);
            }
            assertEquals(CameraIssue.BLOCKED.bit(), issues(half), name + " with its upper half covered");
            assertEquals(CameraIssue.BLOCKED.bit(), issues(map(clean, v -> 128)), name + " covered");
            assertEquals(CameraIssue.DARK.bit() | CameraIssue.BLOCKED.bit(), issues(map(clean, v -> 3)),
                    name + " behind a lens cap: dark, and without texture anywhere");
        }
    }

    @Test
    void narrowerViewsOfARealPictureAndAClearSkyRaiseNothing() throws Exception {
        Path still = TestData.root().resolve("drives/stills/solidWhiteRight.jpg"); // 960x540, a highway by day
        Assumptions.assumeTrue(Files.isRegularFile(still), still + " not present");
        // the picture's own pixels as narrower cameras would see them, each at the input size run --input-size auto
        // gives it: more smooth sky and road, fewer edges (a portrait crop was blurred and blocked until 2026-11-28)
        int[][] views = {{328, 0, 304, 540}, {240, 135, 480, 270}, {320, 180, 320, 180}}; // portrait, 2x, 3x
        io.roadseg.engine.InputSize trained = new io.roadseg.engine.InputSize(W, H);
        for (int[] v : views) {
            io.roadseg.engine.InputSize size = io.roadseg.engine.InputSize.forSource(v[2], v[3], trained, 16);
            ByteBuffer picture = modelSized(still, v, size.width(), size.height());
            CameraReading r = new CameraReading();
            new CameraHealth(size.width(), size.height()).measure(picture, 0, r);
            String name = v[2] + "x" + v[3] + " of the still at " + size.width() + "x" + size.height();
            assertEquals(0, r.issues(), name + ": " + describe(r));
            // blurred, the same view is: its sharpest tiles soften as the rest
            CameraReading soft = new CameraReading();
            new CameraHealth(size.width(), size.height()).measure(blurred(picture, size.width(), size.height(), 6),
                    0, soft);
            assertTrue(CameraIssue.BLURRED.in(soft.issues()), name + " out of focus: " + describe(soft));
        }
        // a clear sky over the upper half (smooth, bright) is no cover; a bright patch as large over the lower half is
        ByteBuffer clean = modelSized(still);
        ByteBuffer sky = copy(clean);
        ByteBuffer low = copy(clean);
        for (int y = 0; y < H / 2; y++) {
            for (int x = 0; x < W; x++) {
                grey(sky, y * W + x, 235 - 30 * y / H);
                grey(low, (H - 1 - y) * W + x, 235 - 30 * y / H);
            }
        }
        assertEquals(0, issues(sky), "a clear sky above: " + describe(sky));
        assertEquals(CameraIssue.BLOCKED.bit(), issues(low), "as bright and smooth below: " + describe(low));
    }

    @Test
    void sharpnessAndTexturedTilesReadTheSameAtAFinerInputSize() throws Exception {
        Path camvid = TestData.root().resolve("camvid/val");
        Assumptions.assumeTrue(Files.isDirectory(camvid), camvid + " not present");
        Path frame;
        try (Stream<Path> files = Files.list(camvid)) {
            frame = files.sorted().findFirst().orElseThrow();
        }
        CameraReading trained = new CameraReading();
        new CameraHealth(W, H).measure(modelSized(frame, W, H), 0, trained);
        CameraReading finer = new CameraReading(); // --input-size auto:640x480 on CamVid's 4:3 frames
        new CameraHealth(640, 480).measure(modelSized(frame, 640, 480), 0, finer);
        assertEquals(trained.sharpness(), finer.sharpness(), 0.12 * trained.sharpness(),
                "sharpness per 100 levels, as at 480x352 pixels");
        assertEquals(trained.uniformShare(), finer.uniformShare(), 0.05);
    }

    @Test
    void theNoiseFigureIsTheNoisesDeviationWhateverTheShading() {
        Random random = new Random(1);
        for (float sigma : new float[] {0, 3, 10}) {
            ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    // a smooth shading (no texture) plus Gaussian noise
                    float v = 40 + 150f * x / W + 30f * y / H + sigma * (float) random.nextGaussian();
                    grey(bgr, y * W + x, clamp(Math.round(v)));
                }
            }
            CameraReading r = new CameraReading();
            new CameraHealth(W, H).measure(bgr, 0, r);
            if (sigma == 0) {
                assertTrue(r.noise() < 0.5f, "a noiseless shading: " + r.noise());
            } else {
                assertEquals(sigma, r.noise(), 0.12 * sigma, "noise of deviation " + sigma);
            }
            assertEquals(sigma > CameraHealth.NOISY_SIGMA, CameraIssue.NOISY.in(r.issues()));
        }
    }

    @Test
    void aPictureIdenticalForASecondIsFrozenAndAChangeThawsIt() {
        ByteBuffer blocks = blocks(new Random(3));
        CameraHealth health = new CameraHealth(W, H);
        CameraReading r = new CameraReading();
        long[] times = {0, 500_000, 990_000, 1_000_000, 2_000_000};
        for (long t : times) {
            health.measure(blocks, t, r);
            assertEquals(t / 1e6f, r.unchangedSeconds(), 1e-6);
            assertEquals(t >= 1_000_000, CameraIssue.FROZEN.in(r.issues()), "at " + t + " µs: " + describe(r));
        }
        ByteBuffer moved = copy(blocks);
        grey(moved, W * H / 2, 255 - (moved.get(W * H / 2 * 3) & 0xff));
        health.measure(moved, 2_040_000, r);
        assertTrue(CameraIssue.FROZEN.in(r.issues()), "one pixel changed is within a re-encoding's rounding");
        health.measure(blocks(new Random(4)), 2_080_000, r);
        assertEquals(0f, r.unchangedSeconds());
        assertEquals(0, r.issues(), "a new picture: " + describe(r));
        health.reset();
        health.measure(blocks(new Random(4)), 9_000_000, r);
        assertEquals(0f, r.unchangedSeconds(), "after a reset the previous picture is forgotten");

        ByteBuffer grey = ByteBuffer.allocateDirect(W * H * 3);
        for (int i = 0; i < W * H; i++) {
            grey(grey, i, 128);
        }
        health.measure(grey, 10_000_000, r);
        health.measure(grey, 12_000_000, r);
        assertEquals(CameraIssue.BLOCKED.bit(), r.issues(), "a uniform picture is blocked, not frozen: nothing to read");
    }

    @Test
    void inAReEncodedVideoOnlyAMovingVehiclesStillPictureIsFrozen() {
        ByteBuffer picture = blocks(new Random(8));
        ByteBuffer requantised = map(picture, v -> v + ((v & 1) == 0 ? 1 : -1)); // a key frame: every level ±1
        CameraHealth video = new CameraHealth(W, H, false);
        CameraReading r = new CameraReading();
        video.measure(picture, 0, true, r);
        video.measure(requantised, 600_000, true, r);
        assertEquals(0.6f, r.unchangedSeconds(), 1e-6, "a key frame's requantisation is no change");
        video.measure(picture, 1_000_000, false, r);
        assertEquals(0, r.issues(), "a parked car's picture decodes identical too: not frozen without motion");
        video.measure(picture, 1_040_000, true, r);
        assertEquals(CameraIssue.FROZEN.bit(), r.issues(), "moving, yet the same picture for a second");
        video.measure(blocks(new Random(9)), 1_080_000, true, r);
        assertEquals(0, r.issues());

        CameraHealth camera = new CameraHealth(W, H, true); // frames coded apart: noise alone changes them
        camera.measure(picture, 0, r);
        camera.measure(requantised, 600_000, r);
        assertEquals(0f, r.unchangedSeconds(), "coded apart, a change of a level is a live picture");

        assertTrue(CameraHealth.framesCodedApart("rawvideo") && CameraHealth.framesCodedApart("mjpeg")
                && CameraHealth.framesCodedApart("image files")
                && CameraHealth.framesCodedApart("mcap /camera sensor_msgs/msg/CompressedImage (jpeg), indexed"));
        assertFalse(CameraHealth.framesCodedApart("h264") || CameraHealth.framesCodedApart("hevc")
                || CameraHealth.framesCodedApart("h264 + ground truth")
                || CameraHealth.framesCodedApart("roadseg sim") || CameraHealth.framesCodedApart(null));
    }

    @Test
    void measuringAllocatesNothing() {
        ByteBuffer a = blocks(new Random(5));
        ByteBuffer b = blocks(new Random(6));
        CameraHealth health = new CameraHealth(W, H);
        CameraReading r = new CameraReading();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 200; i++) { // warm up: compiled
            health.measure((i & 1) == 0 ? a : b, i * 40_000L, r);
        }
        long before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100; i++) {
            health.measure((i & 1) == 0 ? a : b, (200 + i) * 40_000L, r);
        }
        long bytes = mx.getThreadAllocatedBytes(id) - before;
        assertTrue(bytes < 1024, "100 frames allocated " + bytes + " bytes");
        assertFalse(r.measured() && r.issues() != 0, "random blocks are a sound picture: " + describe(r));
    }

    @Test
    void countsAddUpPerIssueAndInTotal() {
        CameraIssueCounts counts = new CameraIssueCounts();
        CameraReading r = new CameraReading();
        counts.count(r); // not measured: not counted
        r.brightness = 100;
        counts.count(r);
        r.issues = CameraIssue.DARK.bit() | CameraIssue.NOISY.bit();
        counts.count(r);
        r.issues = CameraIssue.NOISY.bit();
        counts.count(r);
        assertEquals(3, counts.measured());
        assertEquals(2, counts.withAny());
        assertEquals(2, counts.frames(CameraIssue.NOISY));
        assertEquals(1, counts.frames(CameraIssue.DARK));
        assertEquals("camera: issues in 2 of 3 frames (dark 1, noisy 2)", counts.line());
        assertEquals("{\"frames\":3,\"with_issue\":2,\"dark\":1,\"washed_out\":0,\"noisy\":2,\"blurred\":0,"
                + "\"blocked\":0,\"frozen\":0,\"upside_down\":0,\"sideways\":0,\"smeared\":0}", counts.json());
        assertEquals("camera: no issue in 0 frames", new CameraIssueCounts().line());
        CameraIssueCounts twice = new CameraIssueCounts(); // a fleet's: drives' sums added
        twice.addSums(counts.sums());
        twice.addSums(counts.sums());
        assertEquals(6, twice.measured());
        assertEquals(4, twice.frames(CameraIssue.NOISY));
        assertEquals(2 * counts.withAny(), twice.withAny());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> twice.addSums(new long[3]), "a row of another layout");
        // a report written before the smear check (two counts and eight issues): said, not added up
        IllegalArgumentException older = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> twice.addSums(new long[10]));
        assertEquals("camera counts: expected 11 numbers, got 10 (a report from a roadseg with other camera checks: "
                + "run it again with this one)", older.getMessage());
    }

    // ---- pictures --------------------------------------------------------------------------------------------------

    /** A real frame brought to the model's size the way the pipeline does it. */
    private static ByteBuffer modelSized(Path file) {
        return modelSized(file, W, H);
    }

    private static ByteBuffer modelSized(Path file, int w, int h) {
        return modelSized(file, null, w, h);
    }

    /** The part {@code {x, y, width, height}} of the picture (null: all of it) at the model's size. */
    private static ByteBuffer modelSized(Path file, int[] part, int w, int h) {
        try (Mat whole = imread(file.toString());
             Mat image = part == null ? new Mat(whole)
                     : new Mat(whole, new org.bytedeco.opencv.opencv_core.Rect(part[0], part[1], part[2], part[3]));
             Mat small = new Mat();
             Preprocessor p = new Preprocessor(w, h, new float[] {0, 0, 0}, new float[] {1, 1, 1}, true, true)) {
            assertFalse(image.empty(), file + " unreadable");
            small.create(h, w, image.type());
            p.resizeToModel(image, small);
            ByteBuffer out = ByteBuffer.allocateDirect(w * h * 3);
            out.put(small.data().capacity((long) w * h * 3).asByteBuffer());
            return out.clear();
        }
    }

    private static ByteBuffer blurred(ByteBuffer bgr, double sigma) {
        return blurred(bgr, W, H, sigma);
    }

    private static ByteBuffer blurred(ByteBuffer bgr, int w, int h, double sigma) {
        try (Mat in = new Mat(h, w, org.bytedeco.opencv.global.opencv_core.CV_8UC3);
             Mat out = new Mat(); Size none = new Size(0, 0)) {
            in.data().capacity((long) w * h * 3).asByteBuffer().put(bgr.duplicate().clear());
            GaussianBlur(in, out, none, sigma);
            ByteBuffer b = ByteBuffer.allocateDirect(w * h * 3);
            b.put(out.data().capacity((long) w * h * 3).asByteBuffer());
            return b.clear();
        }
    }

    /** 16×16 blocks of random greys: texture at the blocks' edges, none within. */
    private static ByteBuffer blocks(Random random) {
        int[] levels = new int[(W / 16 + 1) * (H / 16 + 1)];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = 20 + random.nextInt(216);
        }
        ByteBuffer bgr = ByteBuffer.allocateDirect(W * H * 3);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                grey(bgr, y * W + x, levels[(y / 16) * (W / 16 + 1) + x / 16]);
            }
        }
        return bgr;
    }

    private static ByteBuffer map(ByteBuffer bgr, IntUnaryOperator f) {
        ByteBuffer out = ByteBuffer.allocateDirect(W * H * 3);
        for (int i = 0; i < W * H * 3; i++) {
            out.put(i, (byte) clamp(f.applyAsInt(bgr.get(i) & 0xff)));
        }
        return out;
    }

    private static ByteBuffer copy(ByteBuffer bgr) {
        return map(bgr, v -> v);
    }

    private static void grey(ByteBuffer bgr, int pixel, int v) {
        bgr.put(3 * pixel, (byte) v).put(3 * pixel + 1, (byte) v).put(3 * pixel + 2, (byte) v);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static int issues(ByteBuffer bgr) {
        CameraReading r = new CameraReading();
        new CameraHealth(W, H).measure(bgr, 0, r);
        return r.issues();
    }

    private static String describe(ByteBuffer bgr) {
        CameraReading r = new CameraReading();
        new CameraHealth(W, H).measure(bgr, 0, r);
        return describe(r);
    }

    private static String describe(CameraReading r) {
        return String.format("issues %s, brightness %.1f, ends %.0f..%.0f, noise %.2f, sharpness %.2f, uniform %.3f, "
                        + "unchanged %.2f s", issueNames(r.issues()), r.brightness(), r.darkEnd(), r.brightEnd(),
                r.noise(), r.sharpness(), r.uniformShare(), r.unchangedSeconds());
    }

    private static List<String> issueNames(int mask) {
        return CameraIssue.ALL.stream().filter(i -> i.in(mask)).map(CameraIssue::key).toList();
    }
}
