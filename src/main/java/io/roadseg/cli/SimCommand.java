package io.roadseg.cli;

import io.roadseg.sim.CameraCalibration;
import io.roadseg.sim.DriveRecording;
import io.roadseg.sim.RenderBenchmark;
import io.roadseg.sim.SimDrive;
import io.roadseg.sim.SimSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code roadseg sim}: renders a synthetic drive with exact labels and depth into a replayable recording folder,
 * or measures the renderer's speed.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {"Render a synthetic drive (exact class ids and metric depth per pixel) into a recording "
                + "folder: video.mp4 + labels/ + depth/ + calibration.yaml + drive.json (see recordings/FORMAT.md).",
                "The same drive is available live as sim://town?seed=…&frames=…&fps=…&speed=…&calib=…"},
        footer = {"", "Examples:", "  roadseg sim --seed 7 --frames 300 --out recordings/town-drive",
                "  roadseg sim --bench --calib calibration/dashcam-960x540.yaml"})
final class SimCommand implements Callable<Integer> {
    @Option(names = "--scene", defaultValue = "town",
            description = "Scene: town, or suburb (houses set back, tree lines behind) (default: ${DEFAULT-VALUE}).")
    String scene;

    @Option(names = "--seed", defaultValue = "1", description = "Scene and look seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--frames", defaultValue = "300", description = "Frames (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--fps", defaultValue = "30", description = "Frames per second (default: ${DEFAULT-VALUE}).")
    double fps;

    @Option(names = "--speed", defaultValue = "36", description = "Speed in km/h (default: ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--calib", defaultValue = SimSource.DEFAULT_CALIBRATION,
            description = "Camera calibration file (default: ${DEFAULT-VALUE}).")
    Path calib;

    @Option(names = {"-o", "--out"}, paramLabel = "FOLDER", description = "Recording folder to create.")
    Path out;

    @Option(names = "--bitrate", defaultValue = "900000", description = "Video bit rate (default: ${DEFAULT-VALUE}).")
    long bitrate;

    @Option(names = "--bench", description = "Measure render speed (image + labels + depth, one thread) and how it "
            + "scales with pixels and objects, instead of recording.")
    boolean bench;

    @Override
    public Integer call() throws Exception {
        calib = io.roadseg.source.InstallPaths.resolve(calib);
        if (!(fps > 0) || Double.isInfinite(fps) || fps > 1000) {
            throw new UsageError("--fps " + fps + ": must be a frame rate in (0, 1000]");
        }
        if (frames < 1) {
            throw new UsageError("--frames " + frames + ": must be >= 1");
        }
        if (!(speed >= 0) || speed > 300) {
            throw new UsageError("--speed " + speed + ": must be in [0, 300] km/h");
        }
        if (bitrate <= 0) {
            throw new UsageError("--bitrate " + bitrate + ": must be positive (bit/s)");
        }
        if (bench && out != null) {
            throw new UsageError("--out " + out + " and --bench: give one (--bench renders without writing)");
        }
        if (!bench && out == null) {
            throw new UsageError("--out FOLDER is required (or --bench)");
        }
        if (out != null) {
            new OutputPaths().input("--calib", calib == null ? null : calib.toString())
                    .newFolder("--out", out.toString());
        }
        CameraCalibration camera;
        try {
            camera = CameraCalibration.readForRendering(calib);
        } catch (IOException e) {
            throw UserError.of(e);
        }
        SimDrive drive;
        try {
            drive = new SimDrive(scene, seed, frames, fps, speed, camera);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--" + e.getMessage());
        }
        if (bench) {
            System.out.print(RenderBenchmark.report(drive));
            return 0;
        }
        long t0 = System.nanoTime();
        int written;
        try (StopSignals signals = new StopSignals(System.err)) {
            written = DriveRecording.write(drive, out, bitrate, i -> {
                if (i % 50 == 0 || i == frames) {
                    System.err.printf(Locale.ROOT, "\rsim: %d/%d frames", i, frames);
                }
            }, signals::stopping);
        }
        if (written < frames) {
            System.err.printf(Locale.ROOT, "%ninterrupted: wrote %s as a drive of its first %d frames (of %d) in "
                    + "%.1f s%n", out, written, frames, (System.nanoTime() - t0) / 1e9);
            return 0;
        }
        System.err.printf(Locale.ROOT, "%nwrote %s: %s in %.1f s%n", out, drive.describe(),
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
