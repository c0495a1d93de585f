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
 * camvid/NAME.contact.png  the frame's depth pseudo-labels from the ground plane ({@link Trainer#contactDepth}: road,
 *                        pavement, the ground contact of standing objects, of trees too if asked) at the bundle's
 *                        CamVid pitch, 16-bit PNG in 1/256 m (0 = unknown); gpu_train.py --contact-depth-weight
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

    /**
     * How the real frames' depth pseudo-labels are made from the ground plane ({@link Trainer#roadDepthByRow},
     * {@link Trainer#contactDepth}).
     *
     * @param camvidPitchDeg the CamVid camera's downward pitch, degrees
     * @param contactTrees   whether trees standing on the ground and reaching the horizon take their contact depth
     */
    public record GroundLabels(double camvidPitchDeg, boolean contactTrees) {
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
     * @param labels      the CamVid camera's pitch for the ground-plane depth labels, and whether standing trees
     *                    take their ground contact ({@code train --camvid-pitch}, {@code --contact-trees})
     * @param out         folder to write (created; must be empty or absent)
     * @param log         progress lines
     * @throws IOException naming the file that could not be read or written
     */
    public static Summary write(FcnArchitecture architecture, List<FcnArchitecture> variants, Path camvid,
                                List<String> splits, int simSamples, long simSeed, int simStride, long initSeed,
                                GroundLabels labels, Path out, PrintStream log) throws IOException {
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
        float[] road = Trainer.roadDepthByRow(Trainer.CAMVID_CAMERA, labels.camvidPitchDeg(), architecture.maxDepth());
        List<String> frames = new ArrayList<>();
        byte[] labelIds = new byte[fw * fh];
        float[] contact = new float[fw * fh];
        short[] contactUnits = new short[fw * fh];
        try (IntPointer jpeg = new IntPointer(IMWRITE_JPEG_QUALITY, JPEG_QUALITY);
             IntPointer png = new IntPointer(IMWRITE_PNG_COMPRESSION, 9);
             Mat image = new Mat(fh, fw, CV_8UC3); Mat label = new Mat(fh, fw, CV_8UC1);
             Mat contactMat = new Mat(fh, fw, CV_16UC1); ShortPointer contactView = new ShortPointer(contactMat.data());
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
                        try (BytePointer labelView = label.data()) {
                            labelView.get(labelIds);
                        }
                        Trainer.contactDepth(labelIds, road, fw, fh, contact, labels.contactTrees());
                        depthUnits(contact, contactUnits);
                        contactView.put(contactUnits);
                        write(out.resolve("camvid").resolve(stem + ".contact.png"), contactMat, png);
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
                    depthUnits(s.depth(), depthUnits);
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

        StringBuilder b = new StringBuilder();
        b.append("{\"format\": \"").append(FORMAT).append("\",\n");
        b.append(" \"width\": ").append(fw).append(", \"height\": ").append(fh).append(",\n");
        b.append(" \"camera\": ").append(cameraJson(Trainer.CAMVID_CAMERA)).append(",\n");
        b.append(" \"camvid_pitch_deg\": ").append(labels.camvidPitchDeg()).append(", \"contact_trees\": ")
                .append(labels.contactTrees()).append(", \"contact_labels\": true,\n");
        b.append(" \"road_depth_by_row\": ").append(floats(road)).append(",\n");
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

    /** Depth in metres to 16-bit units of 1/256 m (KITTI's convention, to 255 m; 0 = unknown). */
    static void depthUnits(float[] metres, short[] units) {
        for (int p = 0; p < units.length; p++) {
            float d = metres[p];
            double v = Math.rint(Math.min(d, 255.0) * 256);
            units[p] = (short) (d > 0 && Float.isFinite(d) ? Math.max(1, v) : 0);
        }
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
