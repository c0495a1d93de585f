package io.roadseg.sim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures how fast {@link RoadSceneRenderer} makes a frame (image + class ids + depth) on one thread, and how the
 * cost scales: with the pixel count (the same drive at twice the width and height) and with the number of objects
 * (the same town with four times the cars, pedestrians and bicyclists). Each figure is the median of three timed
 * runs of at least a second each, after a warm-up, over frames spread along the drive. A benchmark, not a test: the
 * figures depend on the machine and on what else runs on it.
 *
 * <p>Used by {@code roadseg sim --bench}; also runnable alone:
 * {@code java -cp … io.roadseg.sim.RenderBenchmark [calibration.yaml]}.
 *
 * <p>Threading: stateless; each call renders on the calling thread.
 */
public final class RenderBenchmark {
    private static final int RUNS = 3;
    private static final long RUN_NANOS = 1_000_000_000L;

    /**
     * One measurement.
     *
     * @param what            what was measured, for the report
     * @param objectsPerFrame mean number of boxes and spheres within range per frame
     */
    public record Result(String what, int width, int height, double framesPerSecond, double objectsPerFrame) {
        /** Nanoseconds per pixel per frame. */
        public double nanosPerPixel() {
            return 1e9 / framesPerSecond / ((double) width * height);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-22s %4dx%-4d %7.1f frames/s  %5.1f ns/pixel  %5.1f objects/frame",
                    what, width, height, framesPerSecond, nanosPerPixel(), objectsPerFrame);
        }
    }

    private RenderBenchmark() {
    }

    /** Frames per second of {@code drive} rendered on this thread, with the town's movers scaled by a factor. */
    public static Result measure(String what, SimDrive drive, double moverDensity) {
        CameraCalibration c = drive.camera();
        int n = c.width() * c.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        TownScene town = new TownScene(drive.seed(), drive.speed(), drive.speed() * drive.frames() / drive.fps() + 50,
                moverDensity, drive.scene().equals("suburb"));
        RoadSceneRenderer renderer = new RoadSceneRenderer(c);
        int stride = Math.max(1, drive.frames() / 97);
        int frame = 0;
        for (int i = 0; i < 30; i++) {
            drive.render(town, renderer, frame, bgr, ids, depth);
            frame = (frame + stride) % drive.frames();
        }
        double[] rates = new double[RUNS];
        long objects = 0;
        long rendered = 0;
        for (int run = 0; run < RUNS; run++) {
            long t0 = System.nanoTime();
            long elapsed;
            int count = 0;
            do {
                drive.render(town, renderer, frame, bgr, ids, depth);
                objects += renderer.objectsInLastFrame();
                frame = (frame + stride) % drive.frames();
                count++;
                elapsed = System.nanoTime() - t0;
            } while (elapsed < RUN_NANOS || count < 20);
            rates[run] = count / (elapsed / 1e9);
            rendered += count;
        }
        Arrays.sort(rates);
        return new Result(what, c.width(), c.height(), rates[RUNS / 2], (double) objects / rendered);
    }

    /** The drive's camera with twice the width and height (same field of view and mounting). */
    static CameraCalibration doubled(CameraCalibration c) {
        return c.resized(c.name() + "-x2", c.width() * 2, c.height() * 2);
    }

    /**
     * Runs the three measurements (as given, twice the pixels, four times the movers) and returns them as report
     * lines with the scaling ratios.
     */
    public static String report(SimDrive drive) {
        Result base = measure("town", drive, 1);
        Result big = measure("town, 4x the pixels", new SimDrive(drive.scene(), drive.seed(), drive.frames(),
                drive.fps(), drive.speedKmh(), doubled(drive.camera())), 1);
        Result crowded = measure("town, 4x the movers", drive, 4);
        return String.format(Locale.ROOT, """
                sim render speed (image + class ids + depth, one thread, median of %d runs of >= 1 s):
                  %s
                  %s
                  %s
                4x the pixels: %.2fx the time per frame; %.1fx the objects: %.2fx the time per frame
                """, RUNS, base, big, crowded, base.framesPerSecond() / big.framesPerSecond(),
                crowded.objectsPerFrame() / base.objectsPerFrame(),
                base.framesPerSecond() / crowded.framesPerSecond());
    }

    /** {@code RenderBenchmark [calibration.yaml]}: prints the report for a 300-frame town drive at 36 km/h. */
    public static void main(String[] args) throws IOException {
        CameraCalibration camera = CameraCalibration.readForRendering(Path.of(args.length > 0 ? args[0]
                : SimSource.DEFAULT_CALIBRATION));
        System.out.print(report(new SimDrive("town", 1, 300, 30, 36, camera)));
    }
}
