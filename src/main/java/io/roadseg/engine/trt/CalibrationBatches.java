package io.roadseg.engine.trt;

import io.roadseg.engine.InferenceException;
import io.roadseg.preprocess.Preprocessor;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

/**
 * The INT8 calibration set as batches of input tensors, preprocessed by the pipeline's own {@link Preprocessor}
 * (resize, normalise, HWC→CHW) so that TensorRT measures activation ranges on exactly the tensors it will see. The
 * set is a folder searched recursively for {@code .jpg}/{@code .jpeg}/{@code .png}, or a text file listing image paths
 * one per line ({@code #} comments and blank lines ignored, paths relative to the file). At most
 * {@value #MAX_IMAGES} images are used, evenly spaced over the sorted list; images beyond the last whole batch are
 * not used.
 *
 * <p>Pure Java plus OpenCV decoding: no GPU needed, so the batch assembly is unit-tested.
 *
 * <p>Threading: one thread (TensorRT calls the calibrator from the thread that builds). Owns one native
 * {@link Mat}; {@link #close()} frees it.
 */
public final class CalibrationBatches implements AutoCloseable {
    /** Most images used for calibration; TensorRT's guidance is a few hundred representative frames. */
    public static final int MAX_IMAGES = 512;

    private final Path source;
    private final List<Path> images;
    private final Preprocessor preprocessor;
    private final int batchSize;
    private final int tensorFloats;
    private final Mat modelBgr;
    private int nextImage;

    /**
     * @param source       folder of images, or a text file listing them
     * @param preprocessor the model's preprocessing; not closed here
     * @param batchSize    images per batch; fewer when the set is smaller
     * @throws InferenceException naming the folder when it is missing or holds no images, or the list file and
     *                            line of an image that does not exist
     */
    public CalibrationBatches(Path source, Preprocessor preprocessor, int batchSize) throws InferenceException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("calibration batch size must be ≥ 1, got " + batchSize);
        }
        this.source = source;
        this.images = list(source);
        this.preprocessor = preprocessor;
        this.batchSize = Math.min(batchSize, images.size());
        this.tensorFloats = 3 * preprocessor.width() * preprocessor.height();
        this.modelBgr = new Mat(preprocessor.height(), preprocessor.width(), CV_8UC3);
    }

    /**
     * The images of a calibration set, sorted, at most {@value #MAX_IMAGES}.
     *
     * @throws InferenceException when the source is missing or empty, or a listed image does not exist
     */
    public static List<Path> list(Path source) throws InferenceException {
        List<Path> all = new ArrayList<>();
        if (Files.isDirectory(source)) {
            try (Stream<Path> walk = Files.walk(source)) {
                walk.filter(p -> Files.isRegularFile(p) && isImage(p)).forEach(all::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new InferenceException("calibration folder " + source + ": cannot be listed ("
                        + e.getMessage() + ")", e);
            }
            all.sort((a, b) -> a.toString().compareTo(b.toString()));
            if (all.isEmpty()) {
                throw new InferenceException("calibration folder " + source + ": no .jpg or .png images (INT8 "
                        + "calibration needs representative frames)");
            }
        } else if (Files.isRegularFile(source)) {
            List<String> lines;
            try {
                lines = Files.readAllLines(source, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InferenceException("calibration list " + source + ": cannot be read (" + e.getMessage()
                        + ")", e);
            }
            Path base = source.toAbsolutePath().getParent();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                Path p = base.resolve(line);
                if (!Files.isRegularFile(p)) {
                    throw new InferenceException("calibration list " + source + " line " + (i + 1) + ": " + p
                            + " not found");
                }
                all.add(p);
            }
            if (all.isEmpty()) {
                throw new InferenceException("calibration list " + source + ": lists no images");
            }
        } else {
            throw new InferenceException("calibration folder " + source + ": not found (INT8 needs calibration "
                    + "images: a folder of jpg/png frames, or a text file listing them)");
        }
        if (all.size() <= MAX_IMAGES) {
            return List.copyOf(all);
        }
        List<Path> spaced = new ArrayList<>(MAX_IMAGES);
        for (int i = 0; i < MAX_IMAGES; i++) {
            spaced.add(all.get((int) ((long) i * all.size() / MAX_IMAGES)));
        }
        return List.copyOf(spaced);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    public Path source() {
        return source;
    }

    /** The folder the calibration table is cached in: the source folder, or the list file's folder. */
    public Path folder() {
        return Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
    }

    public List<Path> images() {
        return images;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Whole batches in the set. */
    public int batchCount() {
        return images.size() / batchSize;
    }

    /** Floats in one batch: {@code batchSize * 3 * H * W}. */
    public int batchFloats() {
        return batchSize * tensorFloats;
    }

    /**
     * SHA-256 over the images' names (relative to the source) and contents: changes when any image is added,
     * removed or altered.
     *
     * @throws InferenceException naming an image that cannot be read
     */
    public String fingerprint() throws InferenceException {
        StringBuilder text = new StringBuilder();
        Path base = folder();
        for (Path p : images) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(p);
            } catch (IOException e) {
                throw new InferenceException("calibration image " + p + ": cannot be read (" + e.getMessage() + ")",
                        e);
            }
            Path rel = p.startsWith(base) ? base.relativize(p) : p.getFileName();
            text.append(rel).append(' ').append(PlanCacheKey.sha256(bytes)).append('\n');
        }
        return PlanCacheKey.sha256(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Where TensorRT's calibration table for this model and this image set is cached:
     * {@code <folder>/<model>-<12 hex of model SHA-256>-<12 hex of image fingerprint>.calib}.
     */
    public Path tableFile(String modelName, String modelSha256, String fingerprint) {
        return folder().resolve(modelName.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + modelSha256.substring(0, 12)
                + "-" + fingerprint.substring(0, 12) + ".calib");
    }

    /**
     * Writes the next whole batch, image after image, {@code 3*H*W} floats each, from index 0 of {@code batch}.
     *
     * @param batch at least {@link #batchFloats()} floats
     * @return false when fewer than {@link #batchSize()} images remain (nothing written)
     * @throws InferenceException naming an image that cannot be decoded
     */
    public boolean next(FloatBuffer batch) throws InferenceException {
        if (nextImage + batchSize > images.size()) {
            return false;
        }
        ByteBuffer pixels = modelBgr.data().capacity((long) tensorFloats).asByteBuffer();
        for (int i = 0; i < batchSize; i++) {
            Path p = images.get(nextImage + i);
            try (Mat image = imread(p.toString(), IMREAD_COLOR)) {
                if (image == null || image.empty()) {
                    throw new InferenceException("calibration image " + p + ": cannot be decoded as an image "
                            + "(jpg or png expected)");
                }
                preprocessor.resizeToModel(image, modelBgr);
            }
            preprocessor.toTensor(pixels, batch.slice(i * tensorFloats, tensorFloats));
        }
        nextImage += batchSize;
        return true;
    }

    /** Starts again from the first image. */
    public void rewind() {
        nextImage = 0;
    }

    @Override
    public void close() {
        modelBgr.close();
    }
}
