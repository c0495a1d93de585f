package io.roadseg.train;

import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnGraphJson;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.sim.CameraCalibration;
import io.roadseg.sim.RoadSceneRenderer;
import io.roadseg.sim.SimDataset;
import io.roadseg.sim.TownScene;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_COMPRESSION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Everything a trainer outside the JVM needs to run {@link Trainer}'s recipe, in one folder that fits a lent GPU
 * machine's 64 MiB (see {@code docs/gpu-training.md}); {@code scripts/gpu_train.py} reads it.
 * <pre>
 * graph.json             the network ({@link FcnGraphJson}): defined here, interpreted there
 * init.ckpt              seeded initial weights in training form ({@link TrainingCheckpoint#trainingForm})
 * variants/NAME/         graph.json and init.ckpt of further networks of other channel widths, if asked for
 * bundle.json            frames, camera, road depth by row, normalisation, class names, synthetic samples
 * camvid/NAME.jpg|.png   the CamVid frames of the chosen splits at 480x360: JPEG (quality {@value #JPEG_QUALITY}) and
 *                        class ids (PNG, 11 = void), exactly as {@link Trainer} holds them in memory
 * sim/NNNNNN.jpg|.ids.png|.depth.png  synthetic samples (CamVid camera): image, class ids, depth as 16-bit PNG in
 *                        1/256 m (the KITTI convention; sky = 0 = unknown)
 * </pre>
 * The real data goes to the device machine only, never into the repository (its licence: evaluation and training
 * here, not redistribution). Synthetic sample {@code k} is {@link SimDataset} sample {@code k * simStride}, so a
 * fixed set spans many drives.
 *
 * <p>One thread; native images are freed as they are written.
 */
public final class TrainingBundle {
    /** Format tag in {@code bundle.json}. */
    public static final String FORMAT = "roadseg-training-bundle-1";
    static final int JPEG_QUALITY = 90;

    private TrainingBundle() {
    }

    /** What was written: counts and bytes. */
    public record Summary(int camvidFrames, int simSamples, long bytes) {
    }

    /**
     * @param architecture the network to train (its channel widths go into graph.json and the checkpoints)
     * @param variants    further networks (other widths) to train on the same data: each gets
     *                    {@code variants/NAME/graph.json} and {@code init.ckpt} ({@link #variantName})
     * @param camvid      CamVid root
     * @param splits      splits to include (the trainer holds a sequence out itself)
     * @param simSamples  synthetic samples to render
     * @param simSeed     the synthetic data set's seed
     * @param simStride   sample index step ({@code k * simStride}), &gt;= 1
     * @param initSeed    seed of the initial weights ({@link FcnWeights#random})
     * @param out         folder to write (created; must be empty or absent)
     * @param log         progress lines
     * @throws IOException naming the file that could not be read or written
     */
    public static Summary write(FcnArchitecture architecture, List<FcnArchitecture> variants, Path camvid,
                                List<String> splits, int simSamples, long simSeed, int simStride, long initSeed,
                                Path out, PrintStream log) throws IOException {
        if (simSamples < 0 || simStride < 1) {
            throw new IllegalArgumentException("synthetic samples " + simSamples + " must be >= 0 and stride "
                    + simStride + " >= 1");
        }
        if (Files.isDirectory(out)) {
            try (var list = Files.list(out)) {
                if (list.findAny().isPresent()) {
                    throw new IOException("bundle " + out + ": folder is not empty; give a new one");
                }
            }
        }
        try {
            Files.createDirectories(out.resolve("camvid"));
            Files.createDirectories(out.resolve("sim"));
        } catch (IOException e) {
            throw new IOException("bundle " + out + ": the folder cannot be created (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + ")");
        }
        writeNetwork(architecture, initSeed, out);
        for (FcnArchitecture variant : variants) {
            writeNetwork(variant, initSeed, out.resolve("variants").resolve(variantName(variant)));
        }

        int fw = Trainer.CAMVID_CAMERA.width();
        int fh = Trainer.CAMVID_CAMERA.height();
        List<String> frames = new ArrayList<>();
        try (IntPointer jpeg = new IntPointer(IMWRITE_JPEG_QUALITY, JPEG_QUALITY);
             IntPointer png = new IntPointer(IMWRITE_PNG_COMPRESSION, 9);
             Mat image = new Mat(fh, fw, CV_8UC3); Mat label = new Mat(fh, fw, CV_8UC1);
             Size size = new Size(fw, fh)) {
            for (String split : splits) {
                LabelledFolder folder = LabelledFolder.camvid(camvid, split);
                for (int i = 0; i < folder.size(); i++) {
                    try (LabelledFolder.Sample s = folder.read(i)) {
                        resize(s.image(), image, size, 0, 0, INTER_AREA);
                        resize(s.labels(), label, size, 0, 0, INTER_NEAREST);
                        String stem = s.name().replaceFirst("\\.[^.]*$", "");
                        write(out.resolve("camvid").resolve(stem + ".jpg"), image, jpeg);
                        write(out.resolve("camvid").resolve(stem + ".png"), label, png);
                        frames.add("{\"name\": \"" + stem + "\", \"split\": \"" + split + "\"}");
                    }
                }
            }
            log.printf(Locale.ROOT, "bundle: %d CamVid frames of %s%n", frames.size(), splits);

            CameraCalibration camera = SimDataset.scaled(Trainer.CAMVID_CAMERA, fw, fh);
            RoadSceneRenderer renderer = new RoadSceneRenderer(camera);
            TownScene[] cache = new TownScene[1];
            short[] depthUnits = new short[fw * fh];
            try (Mat ids = new Mat(fh, fw, CV_8UC1); Mat depth = new Mat(fh, fw, CV_16UC1);
                 BytePointer imageView = image.data(); BytePointer idsView = ids.data();
                 ShortPointer depthView = new ShortPointer(depth.data())) {
                for (int k = 0; k < simSamples; k++) {
                    SimDataset.Sample s = SimDataset.render(simSeed, camera, (long) k * simStride, renderer, cache);
                    String stem = String.format(Locale.ROOT, "%06d", k);
                    imageView.put(s.bgr());
                    idsView.put(s.classIds());
                    float[] d = s.depth();
                    for (int p = 0; p < depthUnits.length; p++) {
                        // 1/256 m (KITTI's convention, to 255 m: the model's 80 m fit, unlike the recordings' mm)
                        double v = Math.rint(Math.min(d[p], 255.0) * 256);
                        depthUnits[p] = (short) (d[p] > 0 && Float.isFinite(d[p]) ? Math.max(1, v) : 0);
                    }
                    depthView.put(depthUnits);
                    write(out.resolve("sim").resolve(stem + ".jpg"), image, jpeg);
                    write(out.resolve("sim").resolve(stem + ".ids.png"), ids, png);
                    write(out.resolve("sim").resolve(stem + ".depth.png"), depth, png);
                    if ((k + 1) % 200 == 0) {
                        log.printf(Locale.ROOT, "bundle: %d of %d synthetic samples%n", k + 1, simSamples);
                    }
                }
            }
        }

        float[] road = Trainer.roadDepthByRow(Trainer.CAMVID_CAMERA, 2.0, architecture.maxDepth());
        StringBuilder b = new StringBuilder();
        b.append("{\"format\": \"").append(FORMAT).append("\",\n");
        b.append(" \"width\": ").append(fw).append(", \"height\": ").append(fh).append(",\n");
        b.append(" \"camera\": ").append(cameraJson(Trainer.CAMVID_CAMERA)).append(",\n");
        b.append(" \"camvid_pitch_deg\": 2.0,\n \"road_depth_by_row\": ").append(floats(road)).append(",\n");
        b.append(" \"mean\": ").append(floats(ModelContract.imagenetMean())).append(", \"std\": ")
                .append(floats(ModelContract.imagenetStd())).append(", \"rgb\": true,\n");
        b.append(" \"classes\": [");
        for (int c = 0; c < ModelContract.CAMVID_CLASSES.size(); c++) {
            b.append(c == 0 ? "" : ", ").append('"').append(ModelContract.CAMVID_CLASSES.get(c).name()).append('"');
        }
        b.append("], \"void\": ").append(ModelContract.CAMVID_CLASSES.size()).append(",\n");
        b.append(" \"sim\": {\"seed\": ").append(simSeed).append(", \"stride\": ").append(simStride)
                .append(", \"count\": ").append(simSamples).append("},\n");
        b.append(" \"camvid\": [\n  ").append(String.join(",\n  ", frames)).append("\n]}\n");
        Files.writeString(out.resolve("bundle.json"), b.toString(), StandardCharsets.UTF_8);
        long bytes;
        try (var walk = Files.walk(out)) {
            bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        return new Summary(frames.size(), simSamples, bytes);
    }

    /** @return the folder name of a network variant under {@code variants/}: its widths, e.g. {@code 24-48-128-256} */
    public static String variantName(FcnArchitecture architecture) {
        return architecture.channelsText().replace(',', '-');
    }

    /** graph.json and init.ckpt (seeded initial weights in training form) of one network. */
    private static void writeNetwork(FcnArchitecture architecture, long initSeed, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("graph.json"), FcnGraphJson.write(architecture), StandardCharsets.UTF_8);
        Map<String, String> initProperties = new java.util.LinkedHashMap<>();
        initProperties.put("architecture", FcnArchitecture.NAME);
        initProperties.put(TrainingCheckpoint.CHANNELS, architecture.channelsText());
        initProperties.put("init_seed", Long.toString(initSeed));
        new TrainingCheckpoint(initProperties, TrainingCheckpoint.trainingForm(FcnWeights.random(architecture,
                initSeed))).write(dir.resolve("init.ckpt"));
    }

    private static void write(Path file, Mat mat, IntPointer params) throws IOException {
        if (!imwrite(file.toString(), mat, params)) {
            throw new IOException("bundle " + file + ": could not be written");
        }
    }

    private static String floats(float[] values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ", ").append(Float.toString(values[i]));
        }
        return b.append(']').toString();
    }

    /** The camera's intrinsics and mounting as a JSON object. */
    private static String cameraJson(CameraCalibration c) {
        return String.format(Locale.ROOT, "{\"fx\": %s, \"fy\": %s, \"cx\": %s, \"cy\": %s, \"mount_height_m\": %s,"
                + " \"pitch_deg\": %s}", c.fx(), c.fy(), c.cx(), c.cy(), c.mountHeightM(), c.pitchDeg());
    }
}
