package io.roadseg.source;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.javacpp.BytePointer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * A folder of still images (png, jpg, jpeg, bmp) played in file-name order at a fixed frame rate; every image is
 * fitted inside the first image's size at its own aspect (letterboxed, never squashed); with {@code loop} the folder
 * starts again after its last image (timestamps keep rising). Each decoded image is a native {@link Mat} freed as
 * soon as its pixels are copied out. Not live.
 *
 * <p>Threading: one reader thread.
 */
public final class ImageFolderSource implements FrameSource {
    /** The letterbox's fill: one native constant for the program's life. */
    private static final org.bytedeco.opencv.opencv_core.Scalar BLACK =
            new org.bytedeco.opencv.opencv_core.Scalar(0, 0, 0, 0);
    private final List<Path> images;
    private final SourceInfo info;
    private final Mat scaled;
    private final boolean loop;
    private long next;
    private volatile boolean interrupted;

    ImageFolderSource(String uri, Path folder, double fps, boolean loop) throws SourceException {
        this.loop = loop;
        try (Stream<Path> s = Files.list(folder)) {
            images = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp");
            }).sorted().toList();
        } catch (IOException e) {
            throw new SourceException("input " + uri + ": cannot list folder (" + e.getMessage() + ")", e);
        }
        if (images.isEmpty()) {
            throw new SourceException("input " + uri + ": folder has no png, jpg or bmp images");
        }
        Mat first = load(uri, images.get(0));
        try {
            info = new SourceInfo(uri, first.cols(), first.rows(), fps, false, images.size(), "image files");
        } finally {
            first.close();
        }
        scaled = new Mat(info.height(), info.width(), org.bytedeco.opencv.global.opencv_core.CV_8UC3);
    }

    private static Mat load(String uri, Path file) throws SourceException {
        Mat m = imread(file.toString(), IMREAD_COLOR);
        if (m == null || m.empty()) {
            if (m != null) {
                m.close();
            }
            throw new SourceException("input " + uri + ": image " + file.getFileName() + " cannot be decoded");
        }
        return m;
    }

    @Override
    public SourceInfo info() {
        return info;
    }

    @Override
    public long read(ByteBuffer bgr) throws SourceException {
        if (interrupted || (!loop && next >= images.size())) {
            return END_OF_STREAM;
        }
        long index = next++;
        Mat m = load(info.uri(), images.get((int) (index % images.size())));
        try {
            Mat src = m;
            if (m.cols() != info.width() || m.rows() != info.height()) {
                // a picture of another size than the folder's first: fitted inside it at its own aspect, the rest
                // black, as a player letterboxes — never squashed into the first picture's shape
                double s = Math.min((double) info.width() / m.cols(), (double) info.height() / m.rows());
                int w = Math.max(1, Math.min(info.width(), (int) Math.round(m.cols() * s)));
                int h = Math.max(1, Math.min(info.height(), (int) Math.round(m.rows() * s)));
                scaled.put(BLACK);
                try (org.bytedeco.opencv.opencv_core.Rect r = new org.bytedeco.opencv.opencv_core.Rect(
                        (info.width() - w) / 2, (info.height() - h) / 2, w, h);
                     Mat inside = new Mat(scaled, r);
                     Size fitted = new Size(w, h)) {
                    resize(m, inside, fitted);
                }
                src = scaled;
            }
            BytePointer data = src.data();
            bgr.put(0, data.capacity((long) info.frameBytes()).asByteBuffer(), 0, info.frameBytes());
        } finally {
            m.close();
        }
        return Math.round(index * 1e6 / info.fps());
    }

    @Override
    public void interrupt() {
        interrupted = true;
    }

    @Override
    public void close() {
        scaled.close();
    }
}
