package io.roadseg.sim;

import io.roadseg.sink.SinkException;
import io.roadseg.sink.VideoWriter;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_COMPRESSION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

/**
 * Writes a synthetic drive as a replayable recording folder (format: {@code recordings/FORMAT.md}):
 * <pre>
 *   video.mp4            H.264, the rendered frames
 *   labels/000000.png    8-bit class ids, one per pixel (0..10)
 *   depth/000000.png     16-bit depth along the optical axis in millimetres (0 = unknown: sky, beyond 65.5 m)
 *   calibration.yaml     the camera it was rendered with
 *   drive.json           scene, seed, frames, fps, speed, calibration name, size, roadseg and renderer versions
 * </pre>
 * {@code drive.json} is written last: a folder without it is an unfinished recording and is not replayed as one.
 *
 * <p>Threading: one thread.
 */
public final class DriveRecording {
    public static final String VIDEO = "video.mp4";
    public static final String LABELS = "labels";
    public static final String DEPTH = "depth";
    public static final String CALIBRATION = "calibration.yaml";
    public static final String MANIFEST = "drive.json";
    /** The vehicle's own motion per frame, as a car's bus would log it. */
    public static final String EGO = "ego.csv";
    public static final String EGO_HEADER = "frame,time_s,speed_mps,curvature_per_m";

    private DriveRecording() {
    }

    /** Renders and writes every frame of {@code drive} into {@code folder} (created; must be empty or absent). */
    public static void write(SimDrive drive, Path folder, long bitRate, java.util.function.IntConsumer progress)
            throws IOException, SinkException {
        write(drive, folder, bitRate, progress, () -> false);
    }

    /**
     * Renders and writes the frames of {@code drive} into {@code folder} (created; must be empty or absent) until
     * {@code stop} says so: a stopped drive is finalised as a drive of the frames written (its video, truth, motion
     * and manifest agree), not left half-written.
     *
     * @return the frames written
     */
    public static int write(SimDrive drive, Path folder, long bitRate, java.util.function.IntConsumer progress,
                            java.util.function.BooleanSupplier stop) throws IOException, SinkException {
        if (Files.exists(folder) && !(Files.isDirectory(folder) && isEmpty(folder))) {
            throw new IOException("output " + folder + ": exists and is not an empty folder");
        }
        Files.createDirectories(folder.resolve(LABELS));
        Files.createDirectories(folder.resolve(DEPTH));
        CameraCalibration cam = drive.camera();
        int w = cam.width();
        int h = cam.height();
        int n = w * h;
        TownScene town = drive.buildScene();
        RoadSceneRenderer renderer = new RoadSceneRenderer(cam);
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        ByteBuffer pixels = ByteBuffer.allocateDirect(n * 3);
        short[] mm = new short[n];
        StringBuilder ego = new StringBuilder(EGO_HEADER).append('\n');
        int written = 0;
        try (VideoWriter video = new VideoWriter(folder.resolve(VIDEO).toString(), w, h, drive.fps(), "auto",
                bitRate);
             Mat labels = new Mat(h, w, CV_8UC1);
             Mat depthMm = new Mat(h, w, CV_16UC1);
             IntPointer pngParams = new IntPointer(IMWRITE_PNG_COMPRESSION, 9)) {
            ByteBuffer labelView = labels.data().capacity(n).asByteBuffer();
            ShortBuffer depthView = depthMm.data().capacity(2L * n).asByteBuffer().order(ByteOrder.nativeOrder())
                    .asShortBuffer();
            for (int i = 0; i < drive.frames() && !stop.getAsBoolean(); i++) {
                drive.render(town, renderer, i, bgr, ids, depth);
                pixels.put(0, bgr);
                video.write(pixels, Math.round(i * 1e6 / drive.fps()));
                labelView.put(0, ids);
                for (int p = 0; p < n; p++) {
                    long v = Math.round(depth[p] * 1000);
                    mm[p] = (short) (v > 65535 ? 0 : v); // beyond 65.535 m: unknown rather than wrong
                }
                depthView.put(0, mm);
                String name = String.format(Locale.ROOT, "%06d.png", i);
                if (!imwrite(folder.resolve(LABELS).resolve(name).toString(), labels, pngParams)
                        || !imwrite(folder.resolve(DEPTH).resolve(name).toString(), depthMm, pngParams)) {
                    throw new IOException("output " + folder + ": cannot write ground truth " + name);
                }
                ego.append(String.format(Locale.ROOT, "%d,%.6f,%.4f,%.8f\n", i, i / drive.fps(), drive.speed(),
                        drive.pathCurvature(town, i)));
                progress.accept(i + 1);
                written = i + 1;
            }
        }
        Files.writeString(folder.resolve(EGO), ego);
        Files.writeString(folder.resolve(CALIBRATION), cam.toText());
        Files.writeString(folder.resolve(MANIFEST), String.format(Locale.ROOT, """
                {
                  "format": "roadseg-drive-1",
                  "scene": "%s",
                  "seed": %d,
                  "frames": %d,
                  "fps": %s,
                  "speed_kmh": %s,
                  "calibration": "%s",
                  "width": %d,
                  "height": %d,
                  "roadseg_version": "%s",
                  "renderer": "%s",
                  "labels": "labels/NNNNNN.png, 8-bit class ids (CamVid order: sky, building, pole, road, pavement, \
                tree, sign, fence, car, pedestrian, bicyclist)",
                  "depth": "depth/NNNNNN.png, 16-bit millimetres along the optical axis, 0 = unknown (sky, beyond 65.535 m)"
                }
                """, drive.scene(), drive.seed(), written, drive.fps(), drive.speedKmh(), jsonText(cam.name()),
                w, h, jsonText(roadsegVersion()), RoadSceneRenderer.VERSION));
        return written;
    }

    /** {@code text} escaped for use inside a JSON string. */
    private static String jsonText(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The version of the roadseg build writing the recording ({@code dev} when run from classes, not the jar). */
    static String roadsegVersion() {
        try (InputStream in = DriveRecording.class.getResourceAsStream(
                "/META-INF/maven/io.roadseg/roadseg/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v.strip();
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            // fall through: the version is informative only
        }
        return "dev";
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
