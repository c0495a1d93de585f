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

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

/**
 * Replays a recording folder written by {@link DriveRecording}: the video through the pipeline's own file source
 * (FFmpeg), and for each frame its ground truth from the PNGs. Sizes and counts are checked; errors name the file.
 *
 * <p>Threading: one reader thread.
 */
public final class RecordingSource implements FrameSource {
    private final Path folder;
    private final FrameSource video;
    private final SourceInfo info;
    private final int frames;
    private int index = -1;

    /**
     * @param openVideo opens the recording's video file as a source (the pipeline's file source)
     */
    public RecordingSource(String uri, Path folder, VideoOpener openVideo) throws SourceException {
        this.folder = folder;
        Path videoFile = folder.resolve(DriveRecording.VIDEO);
        if (!Files.isRegularFile(videoFile)) {
            throw new SourceException("input " + uri + ": recording has no " + DriveRecording.VIDEO);
        }
        try (var s = Files.list(folder.resolve(DriveRecording.LABELS))) {
            frames = (int) s.filter(p -> p.toString().endsWith(".png")).count();
        } catch (IOException e) {
            throw new SourceException("input " + uri + ": recording has no readable " + DriveRecording.LABELS
                    + " folder");
        }
        this.video = openVideo.open(videoFile.toString());
        SourceInfo v = video.info();
        this.info = new SourceInfo(uri, v.width(), v.height(), v.fps(), false, frames, v.codec() + " + ground truth");
    }

    /** How a recording's video is opened (the caller passes the pipeline's file source). */
    @FunctionalInterface
    public interface VideoOpener {
        FrameSource open(String path) throws SourceException;
    }

    @Override
    public SourceInfo info() {
        return info;
    }

    @Override
    public long read(ByteBuffer bgr) throws SourceException {
        long t = video.read(bgr);
        if (t != END_OF_STREAM) {
            index++;
            if (index >= frames) {
                throw new SourceException("input " + info.uri() + ": video has more frames than ground truth ("
                        + frames + ")");
            }
        }
        return t;
    }

    @Override
    public boolean hasGroundTruth() {
        return true;
    }

    @Override
    public void readGroundTruth(ByteBuffer classIds, FloatBuffer depth) throws SourceException {
        String name = String.format(Locale.ROOT, "%06d.png", index);
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
        if (m == null || m.empty() || m.type() != type || m.cols() != info.width() || m.rows() != info.height()) {
            if (m != null) {
                m.close();
            }
            throw new SourceException("input " + info.uri() + ": ground truth " + file + " is missing or not a "
                    + (type == CV_8UC1 ? "8-bit" : "16-bit") + " " + info.width() + "x" + info.height() + " PNG");
        }
        return m;
    }

    @Override
    public void interrupt() {
        video.interrupt();
    }

    @Override
    public void close() {
        video.close();
    }
}
