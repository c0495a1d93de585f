package io.roadseg.train;

import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

/**
 * A CamVid-style split: a folder of RGB images and a folder of label PNGs with the same file names
 * ({@code val/} + {@code valannot/}). Labels are 8-bit, one class id per pixel, {@code voidId} for unlabelled.
 * Opening checks that every image has its label (and no label is orphaned); reading checks sizes and ids, and every
 * error names the file and the problem.
 *
 * <p>Threading: immutable after construction; {@link #read} may be called from several threads.
 */
public final class LabelledFolder {
    private final Path images;
    private final Path labels;
    private final List<String> names;
    private final int voidId;

    /** One image (BGR, CV_8UC3) and its labels (CV_8UC1); the caller closes both. */
    public record Sample(String name, Mat image, Mat labels) implements AutoCloseable {
        @Override
        public void close() {
            image.close();
            labels.close();
        }
    }

    public LabelledFolder(Path images, Path labels, int voidId) throws IOException {
        this.images = images;
        this.labels = labels;
        this.voidId = voidId;
        if (!Files.isDirectory(images)) {
            throw new IOException("data " + images + ": image folder not found");
        }
        if (!Files.isDirectory(labels)) {
            throw new IOException("data " + labels + ": label folder not found");
        }
        List<String> imageNames = list(images);
        List<String> labelNames = list(labels);
        if (imageNames.isEmpty()) {
            throw new IOException("data " + images + ": no png or jpg images");
        }
        for (String n : imageNames) {
            if (!labelNames.contains(stem(n) + ".png")) {
                throw new IOException("data " + images.resolve(n) + ": no label " + labels.resolve(stem(n) + ".png"));
            }
        }
        for (String n : labelNames) {
            boolean paired = false;
            for (String i : imageNames) {
                paired |= stem(i).equals(stem(n));
            }
            if (!paired) {
                throw new IOException("data " + labels.resolve(n) + ": label without an image in " + images);
            }
        }
        this.names = List.copyOf(imageNames);
    }

    /** The standard layout {@code root/split} + {@code root/splitannot}. */
    public static LabelledFolder camvid(Path root, String split) throws IOException {
        return new LabelledFolder(root.resolve(split), root.resolve(split + "annot"), 11);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> out = new ArrayList<>();
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")) {
                    out.add(p.getFileName().toString());
                }
            }
            out.sort(null);
            return out;
        }
    }

    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return names.get(index);
    }

    public Path imageFolder() {
        return images;
    }

    /** Reads sample {@code index}, validating it: label and image the same size, ids in 0..voidId. */
    public Sample read(int index) throws IOException {
        String name = names.get(index);
        Path imagePath = images.resolve(name);
        Path labelPath = labels.resolve(stem(name) + ".png");
        Mat image = imread(imagePath.toString(), IMREAD_COLOR);
        if (image == null || image.empty()) {
            close(image);
            throw new IOException("data " + imagePath + ": cannot be decoded as an image");
        }
        Mat label = imread(labelPath.toString(), IMREAD_UNCHANGED);
        try {
            if (label == null || label.empty()) {
                throw new IOException("data " + labelPath + ": cannot be decoded as an image");
            }
            if (label.type() != CV_8UC1) {
                throw new IOException("data " + labelPath + ": labels must be 8-bit single-channel PNG, got "
                        + label.channels() + " channel(s) of depth " + label.depth());
            }
            if (label.cols() != image.cols() || label.rows() != image.rows()) {
                throw new IOException("data " + labelPath + ": " + label.cols() + "x" + label.rows()
                        + " does not match its image " + image.cols() + "x" + image.rows());
            }
            var view = label.data().capacity((long) label.cols() * label.rows()).asByteBuffer();
            for (int i = 0; i < view.capacity(); i++) {
                int id = view.get(i) & 0xff;
                if (id > voidId) {
                    throw new IOException("data " + labelPath + ": class id " + id + " at pixel (" + i % label.cols()
                            + "," + i / label.cols() + ") is outside 0.." + voidId);
                }
            }
            return new Sample(name, image, label);
        } catch (IOException | RuntimeException e) {
            image.close();
            close(label);
            throw e;
        }
    }

    private static void close(Mat m) {
        if (m != null) {
            m.close();
        }
    }
}
