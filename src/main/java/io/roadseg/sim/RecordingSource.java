package io.roadseg.sim;

import io.roadseg.source.FrameSource;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceInfo;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

/**
 * Replays a recording folder written by {@link DriveRecording}: the video through the pipeline's own file source
 * (FFmpeg), and for each frame its ground truth from the PNGs. Checked when it opens: the label and depth PNG
 * counts agree with each other and with {@code drive.json}, and the first frame's PNGs have the video's size and
 * the right bit depth; while reading: every PNG, and that the video has exactly as many frames as there is ground
 * truth. Errors name the recording, the file and what is wrong.
 *
 * <p>With {@code loop}, the video restarts at its end (the file source does that) and the ground truth restarts
 * with it.
 *
 * <p>Threading: one reader thread; {@link #interrupt()} from any thread.
 */
public final class RecordingSource implements FrameSource {
    private static final Pattern FRAME_FILE = Pattern.compile("\\d{6}\\.png");
    private static final Pattern MANIFEST_FRAMES = Pattern.compile("\"frames\"\\s*:\\s*(\\d+)");

    private final Path folder;
    private final boolean loop;
    private final FrameSource video;
    private final SourceInfo info;
    private final int frames;
    /** The camera of {@code calibration.yaml}, null for a recording without one. */
    private final CameraCalibration camera;
    /** Per frame, the path curvature from {@code ego.csv}; null when the recording has none. */
    private final double[] curvature;
    /** Per frame, the speed from {@code ego.csv}, m/s; null when the recording has none. */
    private final double[] speed;
    /** Video frames read so far; the current frame's ground truth is number {@code (read - 1) % frames}. */
    private long read;
    private volatile boolean interrupted;

    /** How a recording's video is opened (the caller passes the pipeline's file source). */
    @FunctionalInterface
    public interface VideoOpener {
        FrameSource open(String path) throws SourceException;
    }

    /** A recording played once. */
    public RecordingSource(String uri, Path folder, VideoOpener openVideo) throws SourceException {
        this(uri, folder, false, openVideo);
    }

    /**
     * @param uri       the recording as the user named it (for messages)
     * @param folder    the recording folder (holds {@code drive.json})
     * @param loop      true when {@code openVideo} opens the video looping: the ground truth then wraps with it
     * @param openVideo opens the recording's video file as a source (the pipeline's file source)
     */
    public RecordingSource(String uri, Path folder, boolean loop, VideoOpener openVideo) throws SourceException {
        this.folder = folder;
        this.loop = loop;
        Path videoFile = folder.resolve(DriveRecording.VIDEO);
        if (!Files.isRegularFile(videoFile)) {
            throw new SourceException("input " + uri + ": recording has no " + DriveRecording.VIDEO);
        }
        int labels = countFrames(uri, DriveRecording.LABELS);
        int depths = countFrames(uri, DriveRecording.DEPTH);
        if (labels != depths) {
            throw new SourceException("input " + uri + ": recording has " + labels + " label PNGs but " + depths
                    + " depth PNGs (each frame needs both)");
        }
        if (labels == 0) {
            throw new SourceException("input " + uri + ": recording has no ground truth (" + DriveRecording.LABELS
                    + "/000000.png missing)");
        }
        String last = frameName(labels - 1);
        if (!Files.isRegularFile(folder.resolve(DriveRecording.LABELS).resolve(last))
                || !Files.isRegularFile(folder.resolve(DriveRecording.DEPTH).resolve(last))) {
            throw new SourceException("input " + uri + ": recording's ground truth is not numbered 000000.."
                    + last + " (" + labels + " frames)");
        }
        long declared = declaredFrames(uri, folder.resolve(DriveRecording.MANIFEST));
        if (declared >= 0 && declared != labels) {
            throw new SourceException("input " + uri + ": " + DriveRecording.MANIFEST + " declares " + declared
                    + " frames but the recording holds ground truth for " + labels);
        }
        this.frames = labels;
        this.camera = calibration(uri, folder.resolve(DriveRecording.CALIBRATION));
        double[][] ego = ego(uri, folder.resolve(DriveRecording.EGO), labels);
        this.speed = ego == null ? null : ego[0];
        this.curvature = ego == null ? null : ego[1];
        this.video = openVideo.open(videoFile.toString());
        SourceInfo v = video.info();
        this.info = new SourceInfo(uri, v.width(), v.height(), v.fps(), false, frames,
                v.codec() + " + ground truth");
        try (Mat l = load(folder.resolve(DriveRecording.LABELS).resolve(frameName(0)), CV_8UC1);
             Mat d = load(folder.resolve(DriveRecording.DEPTH).resolve(frameName(0)), CV_16UC1)) {
            // loaded and checked: sizes match the video
        } catch (SourceException e) {
            video.close();
            throw e;
        }
    }

    private static CameraCalibration calibration(String uri, Path file) throws SourceException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return CameraCalibration.read(file);
        } catch (java.io.IOException e) {
            throw new SourceException("input " + uri + ": " + e.getMessage());
        }
    }

    @Override
    public double groundTruthFocalPx() {
        return camera == null ? Double.NaN : camera.fx() * info.width() / camera.width();
    }

    private int countFrames(String uri, String sub) throws SourceException {
        try (var s = Files.list(folder.resolve(sub))) {
            return (int) s.filter(p -> FRAME_FILE.matcher(p.getFileName().toString()).matches()).count();
        } catch (IOException e) {
            throw new SourceException("input " + uri + ": recording has no readable " + sub + " folder");
        }
    }

    /**
     * The speed and path curvature of every frame from {@code ego.csv} ({@code frame,time_s,speed_mps,curvature_per_m},
     * one row per frame in order), as {@code {speeds, curvatures}}; null when the recording has none (recorded before it
     * was written).
     */
    private static double[][] ego(String uri, Path file, int frames) throws SourceException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        java.util.List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new SourceException("input " + uri + ": cannot read " + file + " (" + e.getMessage() + ")");
        }
        if (lines.isEmpty() || !lines.get(0).strip().equals(DriveRecording.EGO_HEADER)) {
            throw new SourceException("input " + uri + ": " + file + " does not start with the header "
                    + DriveRecording.EGO_HEADER);
        }
        if (lines.size() - 1 != frames) {
            throw new SourceException("input " + uri + ": " + file + " has " + (lines.size() - 1)
                    + " rows but the recording holds " + frames + " frames");
        }
        double[] k = new double[frames];
        double[] v = new double[frames];
        for (int i = 0; i < frames; i++) {
            String[] f = lines.get(i + 1).strip().split(",");
            try {
                if (f.length != 4 || Integer.parseInt(f[0]) != i) {
                    throw new NumberFormatException();
                }
                v[i] = Double.parseDouble(f[2]);
                k[i] = Double.parseDouble(f[3]);
                if (!Double.isFinite(k[i]) || !Double.isFinite(v[i])) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new SourceException("input " + uri + ": " + file + " line " + (i + 2) + " is not '" + i
                        + ",TIME,SPEED,CURVATURE' with finite numbers: '" + lines.get(i + 1) + "'");
            }
        }
        return new double[][] {v, k};
    }

    @Override
    public double groundTruthPathCurvature() {
        return curvature == null || read == 0 ? Double.NaN : curvature[(int) ((read - 1) % frames)];
    }

    @Override
    public double vehicleCurvature() {
        // ego.csv: the curvature the recording car drove, as it logged it; none while it stood (as from odometry)
        if (speed == null || read == 0 || Math.abs(speed[(int) ((read - 1) % frames)])
                < io.roadseg.source.VehicleCurvature.MIN_SPEED_MPS) {
            return Double.NaN;
        }
        return groundTruthPathCurvature();
    }

    /** The frame count {@code drive.json} declares, or -1 when it declares none. */
    private static long declaredFrames(String uri, Path manifest) throws SourceException {
        String text;
        try {
            text = Files.readString(manifest);
        } catch (IOException e) {
            throw new SourceException("input " + uri + ": cannot read " + manifest + " (" + e.getMessage() + ")");
        }
        Matcher m = MANIFEST_FRAMES.matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static String frameName(long index) {
        return String.format(Locale.ROOT, "%06d.png", index);
    }

    /** Frames of ground truth in the recording. */
    public int frames() {
        return frames;
    }

    @Override
    public SourceInfo info() {
        return info;
    }

    @Override
    public long read(ByteBuffer bgr) throws SourceException {
        long t = video.read(bgr);
        if (t == END_OF_STREAM) {
            if (!interrupted && !loop && read < frames) {
                throw new SourceException("input " + info.uri() + ": video ends after " + read
                        + " frames but the recording holds ground truth for " + frames + " (truncated video?)");
            }
            return t;
        }
        if (!loop && read >= frames) {
            throw new SourceException("input " + info.uri() + ": video has more frames than ground truth ("
                    + frames + ")");
        }
        read++;
        return t;
    }

    @Override
    public boolean hasGroundTruth() {
        return true;
    }

    @Override
    public void readGroundTruth(ByteBuffer classIds, FloatBuffer depth) throws SourceException {
        if (read == 0) {
            throw new SourceException("input " + info.uri() + ": ground truth asked for before the first frame");
        }
        String name = frameName((read - 1) % frames);
        int n = info.width() * info.height();
        Path labels = folder.resolve(DriveRecording.LABELS).resolve(name);
        Path depthFile = folder.resolve(DriveRecording.DEPTH).resolve(name);
        try (Mat l = load(labels, CV_8UC1); Mat d = load(depthFile, CV_16UC1)) {
            classIds.put(0, l.data().capacity(n).asByteBuffer(), 0, n);
            ShortBuffer mm = d.data().capacity(2L * n).asByteBuffer().order(ByteOrder.nativeOrder()).asShortBuffer();
            for (int i = 0; i < n; i++) {
                depth.put(i, (mm.get(i) & 0xffff) / 1000f);
            }
        }
    }

    private Mat load(Path file, int type) throws SourceException {
        Mat m = imread(file.toString(), IMREAD_UNCHANGED);
        if (m == null || m.empty()) {
            if (m != null) {
                m.close();
            }
            throw new SourceException("input " + info.uri() + ": ground truth " + file + " is missing or not a PNG");
        }
        if (m.type() != type || m.cols() != info.width() || m.rows() != info.height()) {
            String found = m.cols() + "x" + m.rows() + " " + (m.type() == CV_8UC1 ? "8-bit grey"
                    : m.type() == CV_16UC1 ? "16-bit grey" : "type " + m.type());
            m.close();
            throw new SourceException("input " + info.uri() + ": ground truth " + file + " is " + found
                    + ", expected " + info.width() + "x" + info.height() + " "
                    + (type == CV_8UC1 ? "8-bit" : "16-bit") + " grey (the video's size)");
        }
        return m;
    }

    /** Damaged packets the video decoder skipped (a skipped frame would misalign the ground truth after it). */
    @Override
    public long corruptFrames() {
        return video.corruptFrames();
    }

    @Override
    public void interrupt() {
        interrupted = true;
        video.interrupt();
    }

    @Override
    public void close() {
        video.close();
    }
}
