package io.roadseg.train;

import io.roadseg.metrics.SegmentationScore;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.sim.CameraCalibration;
import io.roadseg.sim.SimDataset;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.pytorch.CrossEntropyLossOptions;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_64FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;

/**
 * Trains the FCN with libtorch on mixed batches — real CamVid frames (classes; depth only where geometry gives it)
 * and synthetic drives (classes and exact depth) — and writes, every {@code checkpointEvery} steps and at the end,
 * the ONNX model and a {@link TrainingCheckpoint} from which {@code --resume} continues exactly.
 *
 * <p>The recipe (see the model card for why):
 * <ul>
 *   <li><b>Data.</b> CamVid frames of the chosen splits minus the held-out sequence, which is scored every
 *       {@code evalEvery} steps and never trained on. Synthetic samples from {@link SimDataset} with the CamVid
 *       camera.</li>
 *   <li><b>Augmentation.</b> Random scale (log-uniform in [scaleMin, scaleMax]; depth divided by the zoom, as a
 *       longer focal length would see it), random crop (void/unknown outside the frame), horizontal flip; colour:
 *       brightness, contrast, gamma (dusk), saturation and per-channel gain.</li>
 *   <li><b>Segmentation loss.</b> Cross-entropy, void ignored, class weights {@code 1 / ln(c + p_class)} (ENet's
 *       rule) from the training labels' class frequencies.</li>
 *   <li><b>Depth loss.</b> L1 of log-depth, capped at the model's maximum depth, where depth is known: everywhere
 *       on synthetic frames (sky = maximum depth), and on real frames the sky (maximum depth) and the road, whose
 *       depth the flat-ground geometry of the camera gives (Z = h / (y cos θ + sin θ), y = (v − c<sub>y</sub>) /
 *       f<sub>y</sub>), weighted by {@code pseudoDepthWeight}; with {@code contactDepthWeight > 0} also the
 *       pavement (the same plane) and the objects standing on it ({@link #contactDepth}: the run of a vehicle,
 *       person, pole, fence or wall right above the ground in a column takes the depth of the ground where it
 *       stands, as a vertical surface would), weighted by {@code contactDepthWeight}.</li>
 *   <li><b>Optimiser.</b> {@link AdamW} with linear warm-up and poly decay ({@link LearningRateSchedule}).</li>
 * </ul>
 *
 * <p>Data order is a function of (seed, step): sample choice, augmentation and the synthetic sample index, so a run
 * resumed from a checkpoint sees exactly the batches the uninterrupted run would have seen.
 *
 * <p>Threading: one thread; the synthetic samples come from {@link SimDataset}'s background thread.
 */
public final class Trainer {
    /** The CamVid camera as the synthetic drives render it and the road pseudo-depth assumes it (480x360). */
    public static final CameraCalibration CAMVID_CAMERA = new CameraCalibration("camvid", 480, 360, 400, 400, 240,
            180, 0, 0, 0, 0, 1.4, 2, 0);
    /** Checkpoint property: the class weights of the segmentation loss, as the model's metadata records them. */
    static final String CLASS_WEIGHTS = "class_weights";
    /** Checkpoint property: the held-out sequence's mIoU (0–1) at the checkpoint's step, when scored. */
    static final String HELD_OUT_MIOU = "held_out_miou";
    /** Checkpoint property of runs trained elsewhere: which trainer, framework and device. */
    static final String TRAINER = "trainer";
    private static final int SKY = 0;
    private static final int ROAD = 3;
    private static final int PAVEMENT = 4;
    private static final int TREE = 5;
    /**
     * Settings added after checkpoints were first written, with the value a checkpoint that lacks them was trained
     * with: contact depth off, the CamVid pseudo-depth camera at the synthetic camera's 2°.
     */
    private static final Map<String, String> ADDED_SETTINGS = Map.of(
            "contact_depth_weight", Double.toString(0.0),
            "camvid_pitch_deg", Double.toString(2.0),
            "sim_suburb_share", Double.toString(0.0),
            "cutmix", Double.toString(0.0),
            "lovasz", Double.toString(0.0),
            "copy_paste", Double.toString(0.0),
            "class_uniform", Double.toString(0.0),
            "contact_trees", Boolean.toString(false),
            "relu", Boolean.toString(false));
    /**
     * CamVid classes that stand on the ground as near-vertical surfaces, for {@link #contactDepth}: building, pole,
     * sign, fence, car, pedestrian, bicyclist. Pole and sign form one group (a sign on its pole). Not tree: CamVid's
     * tree class also holds lawns and verges, which lie on the ground and would be labelled far too near; trees that
     * reach the horizon are labelled separately, with {@code --contact-trees}.
     */
    private static final int[] STANDING_GROUP = {-1, 1, 2, -1, -1, -1, 2, 7, 8, 9, 10, -1};

    /**
     * Training settings; all of them are written into the checkpoint, and a resumed run must use the same.
     *
     * @param camvid            CamVid root (train/, trainannot/, val/, valannot/)
     * @param splits            CamVid splits trained on, e.g. {@code [train, val]}
     * @param heldOut           sequence prefix never trained on and scored during training (e.g. {@code 0006R0});
     *                          empty for none
     * @param steps             total optimiser steps of the run (the schedule's length)
     * @param camvidPerBatch    real crops per batch
     * @param simPerBatch       synthetic crops per batch
     * @param cropWidth         crop width, a multiple of 16
     * @param cropHeight        crop height, a multiple of 16
     * @param learningRate      peak learning rate
     * @param weightDecay       decoupled weight decay (conv weights)
     * @param warmup            warm-up steps
     * @param scaleMin          smallest zoom
     * @param scaleMax          largest zoom
     * @param colourJitter      whether to jitter colours
     * @param classWeightC      the c of {@code 1 / ln(c + p)}
     * @param pseudoDepthWeight weight of the real frames' sky and road depth against the synthetic exact depth
     * @param contactDepthWeight weight of the real frames' pavement and standing-object depth from the ground plane
     *                          ({@link #contactDepth}); 0 = none (the recipe of the runs before it existed)
     * @param camvidPitchDeg    downward pitch of the CamVid camera that the real frames' ground-plane pseudo-depth
     *                          assumes (the runs before it existed: 2°, the synthetic camera's)
     * @param simSuburbShare    share of the synthetic drives in the suburb layout ({@link io.roadseg.sim.TownScene});
     *                          0 = the town only (the runs before it existed)
     * @param cutMix            probability that a real crop gets a rectangle of another real crop of its batch
     *                          pasted in, with its labels ({@link #cutMix}); 0 = none (the runs before it existed)
     * @param lovasz            weight of the Lovász-softmax loss ({@link LovaszSoftmax}, on every other row and column
     *                          of the crops) added to the cross-entropy; 0 = none (the runs before it existed)
     * @param copyPaste         probability that a real crop gets the objects of another real crop of its batch pasted
     *                          onto it ({@link #copyPaste}); 0 = none (the runs before it existed)
     * @param classUniform      probability that a real crop is placed by class-uniform sampling ({@link
     *                          Frames#classUniformPick}: a class drawn uniformly, a frame that holds it, the crop over
     *                          one of its pixels) instead of a uniformly drawn frame and window; 0 = none (the runs
     *                          before it existed)
     * @param relu              hold every PReLU slope at 0 (set at the start, never updated): the network is then a ReLU
     *                          network, which the exporter writes with Relu nodes that ONNX Runtime fuses into the
     *                          convolutions (engines/roadseg.md, *What PReLU costs on the CPU runtime*)
     * @param seed              seed of everything random
     * @param threads           libtorch threads
     * @param evalEvery         steps between held-out scores
     * @param checkpointEvery   steps between checkpoints (ONNX + .ckpt)
     */
    public record Settings(Path camvid, List<String> splits, String heldOut, long steps, int camvidPerBatch,
                           int simPerBatch, int cropWidth, int cropHeight, double learningRate, double weightDecay,
                           long warmup, double scaleMin, double scaleMax, boolean colourJitter, double classWeightC,
                           double pseudoDepthWeight, double contactDepthWeight, double camvidPitchDeg,
                           double simSuburbShare, double cutMix, double lovasz, double copyPaste,
                           double classUniform, boolean contactTrees, boolean relu, long seed, int threads,
                           int evalEvery, int checkpointEvery) {
        /** The settings of the runs before contact depth and the CamVid pitch existed (weight 0, pitch 2°). */
        public Settings(Path camvid, List<String> splits, String heldOut, long steps, int camvidPerBatch,
                        int simPerBatch, int cropWidth, int cropHeight, double learningRate, double weightDecay,
                        long warmup, double scaleMin, double scaleMax, boolean colourJitter, double classWeightC,
                        double pseudoDepthWeight, long seed, int threads, int evalEvery, int checkpointEvery) {
            this(camvid, splits, heldOut, steps, camvidPerBatch, simPerBatch, cropWidth, cropHeight, learningRate,
                    weightDecay, warmup, scaleMin, scaleMax, colourJitter, classWeightC, pseudoDepthWeight, 0, 2.0,
                    0, 0, 0, 0, 0, false, false, seed, threads, evalEvery, checkpointEvery);
        }

        public Settings {
            if (!(Math.abs(camvidPitchDeg) < 45)) {
                throw new IllegalArgumentException("CamVid camera pitch " + camvidPitchDeg + "° must be within ±45°");
            }
            if (!(cutMix >= 0 && cutMix <= 1)) {
                throw new IllegalArgumentException("cutmix probability " + cutMix + " must be in 0..1");
            }
            if (!(copyPaste >= 0 && copyPaste <= 1)) {
                throw new IllegalArgumentException("copy-paste probability " + copyPaste + " must be in 0..1");
            }
            if (!(classUniform >= 0 && classUniform <= 1)) {
                throw new IllegalArgumentException("class-uniform probability " + classUniform + " must be in 0..1");
            }
            if (!(lovasz >= 0 && Double.isFinite(lovasz))) {
                throw new IllegalArgumentException("Lovász loss weight " + lovasz + " must be >= 0");
            }
            if (!(simSuburbShare >= 0 && simSuburbShare <= 1)) {
                throw new IllegalArgumentException("suburb share " + simSuburbShare + " must be in 0..1");
            }
            if (!(contactDepthWeight >= 0)) {
                throw new IllegalArgumentException("contact depth weight " + contactDepthWeight + " must be >= 0");
            }
            if (contactTrees && !(contactDepthWeight > 0)) {
                throw new IllegalArgumentException("contact depth for trees needs a contact depth weight > 0");
            }
            splits = List.copyOf(splits);
            if (cropWidth % FcnArchitecture.STRIDE != 0 || cropHeight % FcnArchitecture.STRIDE != 0) {
                throw new IllegalArgumentException("crop " + cropWidth + "x" + cropHeight + " must be multiples of "
                        + FcnArchitecture.STRIDE);
            }
            if (camvidPerBatch < 0 || simPerBatch < 0 || camvidPerBatch + simPerBatch < 1) {
                throw new IllegalArgumentException("batch: at least one crop per batch");
            }
            if (!(scaleMin > 0) || scaleMax < scaleMin) {
                throw new IllegalArgumentException("scale range " + scaleMin + ".." + scaleMax + " is empty");
            }
        }

        /** @return the settings as checkpoint properties (everything that defines the run's batches) */
        Map<String, String> properties() {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("splits", String.join(",", splits));
            p.put("held_out", heldOut);
            p.put("steps", Long.toString(steps));
            p.put("camvid_per_batch", Integer.toString(camvidPerBatch));
            p.put("sim_per_batch", Integer.toString(simPerBatch));
            p.put("crop", cropWidth + "x" + cropHeight);
            p.put("lr", Double.toString(learningRate));
            p.put("weight_decay", Double.toString(weightDecay));
            p.put("warmup", Long.toString(warmup));
            p.put("scale", scaleMin + ".." + scaleMax);
            p.put("colour_jitter", Boolean.toString(colourJitter));
            p.put("class_weight_c", Double.toString(classWeightC));
            p.put("pseudo_depth_weight", Double.toString(pseudoDepthWeight));
            p.put("contact_depth_weight", Double.toString(contactDepthWeight));
            p.put("camvid_pitch_deg", Double.toString(camvidPitchDeg));
            p.put("sim_suburb_share", Double.toString(simSuburbShare));
            p.put("cutmix", Double.toString(cutMix));
            p.put("lovasz", Double.toString(lovasz));
            p.put("copy_paste", Double.toString(copyPaste));
            p.put("class_uniform", Double.toString(classUniform));
            p.put("contact_trees", Boolean.toString(contactTrees));
            p.put("relu", Boolean.toString(relu));
            p.put("seed", Long.toString(seed));
            return p;
        }
    }

    /** What a run ends with: the weights, the smoothed losses at its start and end, the last held-out score. */
    public record Result(FcnWeights weights, double firstSegLoss, double lastSegLoss, double firstDepthLoss,
                         double lastDepthLoss, double heldOutMeanIou) {
    }

    private final Settings settings;
    private final PrintStream log;
    /**
     * The network trained, at the model's input size: the defaults with the channel widths of the run's weights (a
     * resumed or warm-started run: its checkpoint's; a fresh one: the start weights').
     */
    private FcnArchitecture modelArchitecture = FcnArchitecture.defaults();

    /** A finished run's checkpoint this run starts its weights and BatchNorm statistics from, or null. */
    private TrainingCheckpoint warmStart;
    private String warmStartName = "";
    /** The segmentation loss's class weights as the model's metadata records them. */
    private String classWeightsText = "";

    /** Knowledge distillation ({@link #distillFrom}): the teacher network in exported form, or null for none. */
    private FcnWeights teacher;
    private String teacherName = "";
    private String teacherDigest = "";
    private double distillWeight;
    /** Temperature of the distilled class posteriors (Hinton et al.'s soft targets; the KL term is scaled by T²). */
    static final double DISTILL_TEMPERATURE = 2.0;

    public Trainer(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    /**
     * Starts this run from another run's checkpoint: its weights and BatchNorm statistics, not its optimiser moments,
     * schedule or data order (a warm restart). The name is written into the checkpoint and the model's metadata.
     */
    public Trainer warmStart(TrainingCheckpoint checkpoint, String name) {
        this.warmStart = checkpoint;
        this.warmStartName = name;
        return this;
    }

    /**
     * Trains this run against a teacher network as well as the labels (knowledge distillation, Hinton et al. 2015):
     * on every crop, the KL divergence of the student's class posteriors from the teacher's at temperature
     * {@value #DISTILL_TEMPERATURE} (times T², averaged over all pixels, void included), plus the L1 of log-depth to the
     * teacher's depth on the pixels that have no depth label, both times {@code weight}, added to the loss. The
     * teacher runs in its exported (eval-mode) form without gradients. Meant for a student that cannot take the
     * teacher's exact function, e.g. the ReLU network ({@link Settings#relu}) learning from its PReLU twin. Its name,
     * digest and weight are written into the checkpoint, and a resumed run must give the same teacher. A teacher
     * that trained on the run's held-out sequence would leak it into the student; {@code roadseg train --teacher}
     * refuses one by its metadata ({@code roadseg.held_out}), callers of this method check it themselves.
     *
     * @param teacher a model of the same channel widths as the run's network, not logit-adjusted
     * @param name    how the checkpoint and the model's metadata name it (its file name)
     * @param sha256  the model file's SHA-256, checked on resume
     * @param weight  weight of the two distillation terms, > 0
     */
    public Trainer distillFrom(FcnWeights teacher, String name, String sha256, double weight) {
        if (!(weight > 0 && Double.isFinite(weight))) {
            throw new IllegalArgumentException("distillation weight " + weight + " must be > 0");
        }
        this.teacher = java.util.Objects.requireNonNull(teacher, "teacher");
        this.teacherName = name;
        this.teacherDigest = sha256;
        this.distillWeight = weight;
        return this;
    }

    /** @return the checkpoint file that goes with an ONNX output: {@code x.onnx → x.ckpt} */
    public static Path checkpointFor(Path onnx) {
        String name = onnx.getFileName().toString();
        String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        return onnx.resolveSibling(stem + ".ckpt");
    }

    /**
     * CutMix (Yun et al., ICCV 2019) for segmentation: a rectangle of crop {@code from} — image, class targets, depth
     * targets and their weights alike — replaces the same rectangle of crop {@code to}, so every pixel keeps a label
     * that belongs to it and the network sees objects out of their usual street. The rectangle covers a uniformly
     * drawn share of 0–½ of the crop with the crop's aspect, at a uniform position (Yun et al.'s box rule).
     * Batch arrays as the trainer lays them out: {@code images [N,3,H,W]}, the others {@code [N,H,W]}.
     */
    static void cutMix(java.util.random.RandomGenerator random, int from, int to, int width, int height,
                       float[] images, long[] targets, float[] depths, float[] depthWeights) {
        double share = 0.5 * random.nextDouble();
        int w = (int) Math.round(width * Math.sqrt(share));
        int h = (int) Math.round(height * Math.sqrt(share));
        int x0 = random.nextInt(width - w + 1);
        int y0 = random.nextInt(height - h + 1);
        int pixels = width * height;
        for (int y = y0; y < y0 + h; y++) {
            int src = from * pixels + y * width + x0;
            int dst = to * pixels + y * width + x0;
            System.arraycopy(targets, src, targets, dst, w);
            System.arraycopy(depths, src, depths, dst, w);
            System.arraycopy(depthWeights, src, depthWeights, dst, w);
            for (int c = 0; c < 3; c++) {
                int plane = y * width + x0 + c * pixels;
                System.arraycopy(images, from * 3 * pixels + plane, images, to * 3 * pixels + plane, w);
            }
        }
    }

    /** A mixing of two crops of the batch being built ({@link #cutMix}, {@link #copyPaste}). */
    @FunctionalInterface
    private interface CropMix {
        void apply(java.util.random.RandomGenerator random, int from, int to);
    }

    /**
     * Each real crop of the batch, with probability {@code probability}, gets {@code mix} from another real crop of it
     * drawn at random. Draws nothing at probability 0, so a run without it keeps its batches.
     */
    private void mixRealCrops(SplittableRandom random, double probability, CropMix mix) {
        int real = settings.camvidPerBatch();
        if (!(probability > 0) || real < 2) {
            return;
        }
        for (int b = 0; b < real; b++) {
            if (random.nextDouble() < probability) {
                mix.apply(random, (b + 1 + random.nextInt(real - 1)) % real, b);
            }
        }
    }

    /**
     * CamVid's object classes that {@link #copyPaste} moves between crops: pole, sign, car, pedestrian, bicyclist —
     * things, with a shape of their own, as opposed to stuff (sky, road, building, tree, pavement, fence).
     */
    static final int[] PASTED_CLASSES = {2, 6, 8, 9, 10};

    /**
     * Copy-paste (Ghiasi et al., CVPR 2021, "Simple Copy-Paste") for semantic labels: the pixels of crop {@code from}
     * labelled with a random subset of {@link #PASTED_CLASSES} (each class with probability ½) are pasted onto crop
     * {@code to} at the same place — image, class targets, depth targets and their weights alike. The two crops were
     * zoomed independently (0.5–2×), so a pedestrian or a car lands at another size in another street, in front of
     * whatever the other crop had there: the rare object classes are seen more often and out of their usual context,
     * and an object hiding the road is labelled object (the car ahead filling the view). Whole-class masks, as CamVid
     * has no instances; no blending (Ghiasi et al. found it unnecessary). Batch arrays as {@link #cutMix}'s.
     *
     * @return the pixels pasted
     */
    static int copyPaste(java.util.random.RandomGenerator random, int from, int to, int width, int height,
                         float[] images, long[] targets, float[] depths, float[] depthWeights) {
        boolean[] chosen = new boolean[ModelContract.CAMVID_CLASSES.size()]; // void and beyond: never pasted
        for (int k : PASTED_CLASSES) {
            chosen[k] = random.nextBoolean(); // drawn for every class, present or not: a fixed number of draws
        }
        int pixels = width * height;
        int src = from * pixels;
        int dst = to * pixels;
        int pasted = 0;
        for (int p = 0; p < pixels; p++) {
            long id = targets[src + p];
            if (id >= 0 && id < chosen.length && chosen[(int) id]) {
                targets[dst + p] = id;
                depths[dst + p] = depths[src + p];
                depthWeights[dst + p] = depthWeights[src + p];
                for (int c = 0; c < 3; c++) {
                    images[3 * dst + c * pixels + p] = images[3 * src + c * pixels + p];
                }
                pasted++;
            }
        }
        return pasted;
    }

    /** ENet's class weights {@code 1 / ln(c + p)} from the labels' class frequencies; void excluded. */
    static float[] classWeights(List<byte[]> labels, int classes, double c) {
        long[] counts = new long[classes];
        long total = 0;
        for (byte[] l : labels) {
            for (byte b : l) {
                int k = b & 0xff;
                if (k < classes) {
                    counts[k]++;
                    total++;
                }
            }
        }
        float[] w = new float[classes];
        for (int k = 0; k < classes; k++) {
            w[k] = (float) (1.0 / Math.log(c + counts[k] / (double) Math.max(1, total)));
        }
        return w;
    }

    /**
     * The start of a window of {@code window} pixels in a scaled frame of {@code scaled}: uniform over the frame
     * (a frame smaller than the window: uniform padding), or, with a focus coordinate, uniform among the starts
     * that contain it, clamped to the frame. One random draw either way.
     */
    static double windowStart(SplittableRandom random, double scaled, int window, double focus) {
        double u = random.nextDouble();
        if (scaled <= window) {
            return -u * (window - scaled);
        }
        if (Double.isNaN(focus)) {
            return u * (scaled - window);
        }
        return Math.max(0, Math.min(scaled - window, focus - u * window));
    }

    /** Frames held in memory at their stored size (CamVid: 480x360), BGR and class ids. */
    static final class Frames {
        final List<String> names = new ArrayList<>();
        final List<byte[]> bgr = new ArrayList<>();
        final List<byte[]> labels = new ArrayList<>();
        final int width;
        final int height;
        /**
         * For {@link #classUniformPick}: the classes some frame holds; per class, the frames that hold it; per frame
         * and class, its pixels.
         */
        private int[] presentClasses;
        private int[][] framesWithClass;
        private int[][] pixelsOfClass;

        Frames(int width, int height) {
            this.width = width;
            this.height = height;
        }

        void add(LabelledFolder folder, int index) throws IOException {
            try (LabelledFolder.Sample s = folder.read(index); Mat image = new Mat(height, width, CV_8UC3);
                 Mat label = new Mat(height, width, CV_8UC1); Size size = new Size(width, height)) {
                resize(s.image(), image, size, 0, 0, INTER_AREA);
                resize(s.labels(), label, size, 0, 0, INTER_NEAREST);
                byte[] b = new byte[width * height * 3];
                byte[] l = new byte[width * height];
                image.data().get(b);
                label.data().get(l);
                names.add(s.name());
                bgr.add(b);
                labels.add(l);
            }
        }

        int size() {
            return names.size();
        }

        /**
         * Class-uniform sampling (Zhu et al., CVPR 2019, after the Cityscapes practice): a class drawn uniformly
         * among those the frames hold, then uniformly a frame that holds it, then uniformly one of its pixels there.
         * Rare classes (sign, pedestrian, bicyclist) then fill as many crops as road does, where a uniformly drawn
         * frame and window meets them in a few per cent of the crops. Allocates nothing.
         *
         * @param classes the number of classes (void excluded)
         * @param pixel   receives the chosen pixel's column and row
         * @return the chosen frame's index
         */
        int classUniformPick(SplittableRandom random, int classes, int[] pixel) {
            if (framesWithClass == null) {
                index(classes);
            }
            int cls = presentClasses[random.nextInt(presentClasses.length)];
            int[] frames = framesWithClass[cls];
            int frame = frames[random.nextInt(frames.length)];
            int k = random.nextInt(pixelsOfClass[frame][cls]);
            byte[] ids = labels.get(frame);
            for (int p = 0; p < ids.length; p++) {
                if ((ids[p] & 0xff) == cls && k-- == 0) {
                    pixel[0] = p % width;
                    pixel[1] = p / width;
                    return frame;
                }
            }
            throw new IllegalStateException("class " + cls + " not found in frame " + names.get(frame));
        }

        /** Built by the first {@link #classUniformPick}, over the frames then loaded. */
        private void index(int classes) {
            pixelsOfClass = new int[size()][classes];
            int[] holding = new int[classes];
            for (int f = 0; f < size(); f++) {
                for (byte id : labels.get(f)) {
                    int c = id & 0xff;
                    if (c < classes) {
                        pixelsOfClass[f][c]++;
                    }
                }
                for (int c = 0; c < classes; c++) {
                    holding[c] += pixelsOfClass[f][c] > 0 ? 1 : 0;
                }
            }
            presentClasses = IntStream.range(0, classes).filter(c -> holding[c] > 0).toArray();
            framesWithClass = new int[classes][];
            for (int c = 0; c < classes; c++) {
                framesWithClass[c] = new int[holding[c]];
                int n = 0;
                for (int f = 0; f < size(); f++) {
                    if (pixelsOfClass[f][c] > 0) {
                        framesWithClass[c][n++] = f;
                    }
                }
            }
        }
    }

    /**
     * Depth of the flat road seen at each row of a 480x360 CamVid frame, metres; 0 above the horizon.
     *
     * @param pitchDeg the camera's downward pitch, degrees (the pseudo-depth's, which may differ from the camera's)
     */
    static float[] roadDepthByRow(CameraCalibration camera, double pitchDeg, float maxDepth) {
        float[] depth = new float[camera.height()];
        double pitch = Math.toRadians(pitchDeg);
        for (int v = 0; v < depth.length; v++) {
            double y = (v + 0.5 - camera.cy()) / camera.fy();
            double down = y * Math.cos(pitch) + Math.sin(pitch);
            double z = down > 0 ? camera.mountHeightM() / down : Double.POSITIVE_INFINITY;
            depth[v] = z <= maxDepth ? (float) z : 0f;
        }
        return depth;
    }

    /**
     * Depth pseudo-labels of a real frame from its class labels and the flat-ground geometry: road and pavement take
     * the ground plane's depth of their row; scanning each column upwards, a standing object ({@link #STANDING_GROUP})
     * whose lowest pixel sits right above a ground pixel takes that ground pixel's depth for its whole run — the depth
     * of the vertical surface where it touches the road (the "stixel" model; a vehicle's body overhangs its wheels,
     * so its contact is where the road is last seen under it: a little far for a near car). Everything else is 0
     * (unknown), the sky included (the caller sets it).
     *
     * <p>With {@code trees}, also a run of tree pixels right above a ground pixel that reaches the horizon or above
     * it: a tree standing at the roadside, labelled with its contact like the rest. A tree run that stays below the
     * horizon is left unknown: CamVid's tree class holds lawns and verges, which lie on the ground.
     *
     * @param ids       class ids, row-major {@code width x height}
     * @param roadDepth ground depth by row, 0 above the horizon or beyond range
     * @param out       depth labels, metres; 0 = unknown
     * @param trees     whether trees that reach the horizon are labelled too
     */
    static void contactDepth(byte[] ids, float[] roadDepth, int width, int height, float[] out, boolean trees) {
        java.util.Arrays.fill(out, 0f);
        for (int x = 0; x < width; x++) {
            float contact = 0f;
            int runGroup = -1;
            boolean belowIsGround = false;
            for (int v = height - 1; v >= 0; v--) {
                int i = v * width + x;
                int id = ids[i] & 0xff;
                int group = id < STANDING_GROUP.length ? STANDING_GROUP[id] : -1;
                if ((id == ROAD || id == PAVEMENT) && roadDepth[v] > 0) {
                    out[i] = roadDepth[v];
                    contact = roadDepth[v];
                    belowIsGround = true;
                    runGroup = -1;
                    continue;
                }
                if (group >= 0 && (group == runGroup || belowIsGround)) {
                    runGroup = group;
                    out[i] = contact;
                } else {
                    runGroup = -1;
                }
                belowIsGround = false;
            }
        }
        if (!trees) {
            return;
        }
        for (int x = 0; x < width; x++) {
            for (int v = height - 2; v >= 0; v--) {
                int below = (v + 1) * width + x;
                int belowId = ids[below] & 0xff;
                if ((ids[v * width + x] & 0xff) != TREE || (belowId != ROAD && belowId != PAVEMENT)
                        || !(roadDepth[v + 1] > 0)) {
                    continue;
                }
                int top = v;
                while (top > 0 && (ids[(top - 1) * width + x] & 0xff) == TREE) {
                    top--;
                }
                if (roadDepth[top] == 0f) { // reaches the horizon: standing, not a lawn
                    for (int r = top; r <= v; r++) {
                        out[r * width + x] = roadDepth[v + 1];
                    }
                }
                v = top;
            }
        }
    }

    /**
     * Runs (or continues) the training; writes the model and its checkpoint as it goes.
     *
     * @param start  initial weights; a fresh run trains their widths (ignored when resuming or warm-starting, whose
     *               checkpoint gives weights and widths)
     * @param resume a checkpoint of this run to continue from, or null
     * @param out    the ONNX model to write; the checkpoint goes beside it ({@link #checkpointFor})
     */
    public Result train(FcnWeights start, TrainingCheckpoint resume, Path out) throws IOException {
        return trainUntil(start, resume, out, settings.steps());
    }

    /**
     * As {@link #train}, but stops after step {@code stopAfter} with a checkpoint written there, as a run whose
     * process ends at that point would leave it (the schedule still spans {@code settings.steps()}).
     */
    public Result trainUntil(FcnWeights start, TrainingCheckpoint resume, Path out, long stopAfter)
            throws IOException {
        torch.set_num_threads(settings.threads());
        modelArchitecture = widthsOf(resume != null ? architectureOf(resume, "--resume")
                : warmStart != null ? architectureOf(warmStart, "--from") : start.architecture());
        int classes = modelArchitecture.classes();
        float maxDepth = modelArchitecture.maxDepth();
        int cw = settings.cropWidth();
        int ch = settings.cropHeight();
        int fw = CAMVID_CAMERA.width();
        int fh = CAMVID_CAMERA.height();
        long t0 = System.nanoTime();

        Frames train = new Frames(fw, fh);
        Frames heldOut = new Frames(modelArchitecture.inputWidth(), modelArchitecture.inputHeight());
        for (String split : settings.splits()) {
            LabelledFolder folder = LabelledFolder.camvid(settings.camvid(), split);
            for (int i = 0; i < folder.size(); i++) {
                boolean held = !settings.heldOut().isEmpty() && folder.name(i).startsWith(settings.heldOut());
                (held ? heldOut : train).add(folder, i);
            }
        }
        if (train.size() == 0 && settings.camvidPerBatch() > 0) {
            throw new IOException("data " + settings.camvid() + ": no CamVid frames left to train on after holding"
                    + " out '" + settings.heldOut() + "'");
        }
        float[] weights = classWeights(train.labels, classes, settings.classWeightC());
        classWeightsText = io.roadseg.model.LogitAdjustment.formatWeights(weights);
        log.printf(Locale.ROOT, "train: %d CamVid frames of %s in memory, %d held out (%s) (%.1f s); class weights"
                        + " %s%n", train.size(), settings.splits(), heldOut.size(), settings.heldOut(),
                (System.nanoTime() - t0) / 1e9, Arrays.toString(weights));
        float[] roadDepth = roadDepthByRow(CAMVID_CAMERA, settings.camvidPitchDeg(), maxDepth);
        float[] contactLabels = settings.contactDepthWeight() > 0 ? new float[fw * fh] : null;

        boolean cuda = torch.cuda_is_available();
        Device device = new Device(cuda ? torch.DeviceType.CUDA : torch.DeviceType.CPU);
        log.println("train: libtorch on " + (cuda ? "CUDA (" + torch.cuda_device_count() + " device(s))"
                : "the CPU, " + settings.threads() + " threads (no CUDA device found)"));
        FcnArchitecture cropArchitecture = modelArchitecture.withInputSize(ch, cw);
        LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(), settings.warmup(),
                settings.steps());
        int batch = settings.camvidPerBatch() + settings.simPerBatch();
        int cropPixels = cw * ch;
        float[] images = new float[batch * 3 * cropPixels];
        long[] targets = new long[batch * cropPixels];
        float[] depths = new float[batch * cropPixels];
        float[] depthWeights = new float[batch * cropPixels];
        float[] unlabelledDepth = teacher == null ? null : new float[batch * cropPixels];
        float[] tmp = new float[3 * cropPixels];
        byte[] cropBgr = new byte[cropPixels * 3];
        byte[] cropIds = new byte[cropPixels];
        float[] cropDepth = new float[cropPixels];
        double emaSeg = Double.NaN;
        double emaDepth = Double.NaN;
        double emaIou = Double.NaN;
        double emaKd = Double.NaN;
        double firstSeg = Double.NaN;
        double firstDepth = Double.NaN;
        double heldOutIou = Double.NaN;
        long firstStep = 1;

        // a resumed or warm-started run overwrites the start weights: any of the checkpoint's widths will do
        FcnWeights initial = Arrays.equals(start.architecture().channels(), modelArchitecture.channels())
                ? FcnWeights.of(cropArchitecture, start.tensors()) : FcnWeights.random(cropArchitecture, settings.seed());
        if (teacher != null && !Arrays.equals(teacher.architecture().channels(), modelArchitecture.channels())) {
            throw new IOException("--teacher " + teacherName + ": a network of channel widths "
                    + teacher.architecture().channelsText() + ", the run's is " + modelArchitecture.channelsText()
                    + "; distil between networks of the same widths");
        }
        try (TorchFcn net = new TorchFcn(initial, device);
             TorchFcn teacherNet = teacher == null ? null
                     : new TorchFcn(FcnWeights.of(cropArchitecture, teacher.tensors()), device);
             AdamW adam = new AdamW(net, settings.weightDecay());
             Tensor classWeight = Tensor.create(weights, classes).to(device, torch.ScalarType.Float);
             Preprocessor pre = new Preprocessor(cw, ch, ModelContract.imagenetMean(), ModelContract.imagenetStd(),
                     true, false);
             Augmenter augment = new Augmenter(cw, ch, fw, fh);
             CrossEntropyLossOptions ce = new CrossEntropyLossOptions()) {
            ce.ignore_index().put(classes);
            ce.weight().put(classWeight);
            if (resume != null) {
                firstStep = restore(resume, net, adam) + 1;
                log.println("train: resumed at step " + (firstStep - 1) + " of " + settings.steps());
            } else if (warmStart != null) {
                load(warmStart, "param/", net.parameters());
                load(warmStart, "buffer/", net.buffers());
                log.println("train: weights and BatchNorm statistics from " + warmStartName + " (its step "
                        + warmStart.properties().get("step") + "); optimiser and schedule start afresh");
            }
            if (settings.relu()) {
                net.holdSlopesAtZero();
                log.println("train: ReLU — every PReLU slope set to 0 and held there");
            }
            if (teacherNet != null) {
                log.printf(Locale.ROOT, "train: distilling from %s (weight %s, temperature %s)%n", teacherName,
                        distillWeight, DISTILL_TEMPERATURE);
            }
            ByteBuffer crop = ByteBuffer.allocateDirect(cropPixels * 3);
            FloatBuffer planes = ByteBuffer.allocateDirect(4 * 3 * cropPixels).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            int[] focus = new int[2];
            CropMix cutMixCrops = (r, from, to) -> cutMix(r, from, to, cw, ch, images, targets, depths, depthWeights);
            CropMix copyPasteCrops = (r, from, to) -> copyPaste(r, from, to, cw, ch, images, targets, depths,
                    depthWeights);
            long started = System.nanoTime();
            try (SimDataset sim = new SimDataset(settings.seed(), settings.simSuburbShare(), CAMVID_CAMERA, fw, fh, 8,
                    (firstStep - 1) * settings.simPerBatch())) {
                long lastStep = Math.min(settings.steps(), stopAfter);
                long dataNanos = 0;
                for (long step = firstStep; step <= lastStep; step++) {
                    long dataStart = System.nanoTime();
                    SplittableRandom random = new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + step);
                    for (int b = 0; b < batch; b++) {
                        byte[] bgr;
                        byte[] ids;
                        float[] depth = null;
                        boolean real = b < settings.camvidPerBatch();
                        boolean focused = false;
                        if (real) {
                            int i;
                            if (settings.classUniform() > 0 && random.nextDouble() < settings.classUniform()) {
                                i = train.classUniformPick(random, classes, focus);
                                focused = true;
                            } else {
                                i = random.nextInt(train.size());
                            }
                            bgr = train.bgr.get(i);
                            ids = train.labels.get(i);
                            if (contactLabels != null) {
                                contactDepth(ids, roadDepth, fw, fh, contactLabels, settings.contactTrees());
                                depth = contactLabels;
                            }
                        } else {
                            SimDataset.Sample s = sim.next();
                            bgr = s.bgr();
                            ids = s.classIds();
                            depth = s.depth();
                        }
                        double zoom = Math.exp(Math.log(settings.scaleMin())
                                + random.nextDouble() * Math.log(settings.scaleMax() / settings.scaleMin()));
                        augment.warp(random, zoom, bgr, ids, depth, cropBgr, cropIds, cropDepth,
                                focused ? focus : null);
                        if (settings.colourJitter()) {
                            augment.jitter(random, cropBgr);
                        }
                        int base = b * cropPixels;
                        for (int p = 0; p < cropPixels; p++) {
                            int id = cropIds[p] & 0xff;
                            targets[base + p] = id;
                            float d;
                            float w;
                            if (real) {
                                // pseudo-depth on real frames: the sky is far, the road follows the ground plane
                                w = (float) settings.pseudoDepthWeight();
                                if (id == SKY) {
                                    d = maxDepth;
                                } else if (contactLabels != null) {
                                    d = cropDepth[p] / (float) zoom;
                                    if (id != ROAD) {
                                        w = (float) settings.contactDepthWeight();
                                    }
                                } else if (id == ROAD) {
                                    int row = augment.sourceRow(p / cw);
                                    d = row >= 0 ? roadDepth[row] / (float) zoom : 0f;
                                } else {
                                    d = 0f;
                                }
                            } else {
                                d = id == SKY ? maxDepth : cropDepth[p] / (float) zoom;
                                w = 1f;
                            }
                            boolean known = d > 0.5f;
                            depths[base + p] = known ? Math.min(d, maxDepth) : 1f;
                            depthWeights[base + p] = known ? w : 0f;
                        }
                        crop.position(0);
                        crop.put(cropBgr).position(0);
                        pre.toTensor(crop, planes);
                        planes.get(0, tmp);
                        System.arraycopy(tmp, 0, images, b * 3 * cropPixels, 3 * cropPixels);
                    }
                    mixRealCrops(random, settings.cutMix(), cutMixCrops);
                    mixRealCrops(random, settings.copyPaste(), copyPasteCrops);
                    dataNanos += System.nanoTime() - dataStart;
                    double seg;
                    double dep;
                    double iou = Double.NaN;
                    double kd = Double.NaN;
                    double lr = schedule.at(step);
                    try (PointerScope scope = new PointerScope()) {
                        Tensor x = Tensor.create(images, batch, 3, ch, cw).to(device, torch.ScalarType.Float);
                        Tensor y = Tensor.create(targets, batch, ch, cw).to(device, torch.ScalarType.Long);
                        Tensor d = Tensor.create(depths, batch, 1, ch, cw).to(device, torch.ScalarType.Float);
                        Tensor dw = Tensor.create(depthWeights, batch, 1, ch, cw).to(device, torch.ScalarType.Float);
                        Tensor[] outputs = net.forward(x, true);
                        Tensor segLoss = torch.cross_entropy(outputs[0], y, ce);
                        Tensor logDiff = outputs[1].clamp_min(new org.bytedeco.pytorch.Scalar(1e-3)).log()
                                .sub(d.log()).abs();
                        Tensor depthLoss = logDiff.mul(dw).sum()
                                .div(dw.sum().clamp_min(new org.bytedeco.pytorch.Scalar(1.0)));
                        Tensor loss = segLoss.add(depthLoss);
                        if (settings.lovasz() > 0) {
                            // every other row and column: a quarter of the pixels, a quarter of the sorting
                            Tensor iouLoss = LovaszSoftmax.loss(everyOther(outputs[0], 2), everyOther(y, 1), classes,
                                    classes);
                            loss = loss.add(iouLoss.mul(new org.bytedeco.pytorch.Scalar(settings.lovasz())));
                            iou = iouLoss.item_float();
                        }
                        if (teacherNet != null) {
                            Tensor distilled = distillationLoss(teacherNet, x, outputs, depthWeights, unlabelledDepth,
                                    device);
                            loss = loss.add(distilled.mul(new org.bytedeco.pytorch.Scalar(distillWeight)));
                            kd = distilled.item_float();
                        }
                        loss.backward();
                        adam.step(lr);
                        seg = segLoss.item_float();
                        dep = depthLoss.item_float();
                    }
                    if (!Double.isFinite(seg) || !Double.isFinite(dep)) {
                        throw new IllegalStateException("train: loss is not finite at step " + step + " (segmentation "
                                + seg + ", depth " + dep + "); lower --lr");
                    }
                    // smoothing over about a fiftieth of the run (at least the last 8 steps' worth)
                    double a = Math.min(0.125, Math.max(0.02, 5.0 / settings.steps()));
                    emaSeg = Double.isNaN(emaSeg) ? seg : (1 - a) * emaSeg + a * seg;
                    emaDepth = Double.isNaN(emaDepth) ? dep : (1 - a) * emaDepth + a * dep;
                    emaIou = Double.isNaN(emaIou) ? iou : (1 - a) * emaIou + a * iou;
                    emaKd = Double.isNaN(emaKd) ? kd : (1 - a) * emaKd + a * kd;
                    if (step == firstStep) {
                        firstSeg = seg;
                        firstDepth = dep;
                    }
                    if (step % 20 == 0 || step == settings.steps()) {
                        double seconds = (System.nanoTime() - started) / 1e9;
                        long done = step - firstStep + 1;
                        log.printf(Locale.ROOT, "epoch %.1f  step %d/%d  lr %.2e  seg %.4f  %sdepth %.4f  %.1f"
                                        + " images/s  data %.0f %% of the time  ETA %.0f min%n",
                                step * (double) settings.camvidPerBatch() / Math.max(1, train.size()), step,
                                settings.steps(), lr, emaSeg,
                                (Double.isNaN(emaIou) ? "" : String.format(Locale.ROOT, "lovasz %.4f  ", emaIou))
                                        + (Double.isNaN(emaKd) ? "" : String.format(Locale.ROOT, "kd %.4f  ", emaKd)),
                                emaDepth, done * batch / seconds,
                                100 * dataNanos / 1e9 / seconds, seconds / done * (settings.steps() - step) / 60);
                    }
                    boolean last = step == lastStep;
                    if (heldOut.size() > 0 && (step % settings.evalEvery() == 0 || last)) {
                        heldOutIou = scoreHeldOut(net, heldOut, device, step);
                    }
                    if (step % settings.checkpointEvery() == 0 || last) {
                        save(net, adam, step, out, heldOutIou);
                    }
                }
                if (firstStep > lastStep) {
                    // a finished run resumed: nothing to train; its model (and checkpoint) are written again, which is
                    // how a committed checkpoint gives back the ONNX file it was exported as
                    long step = firstStep - 1;
                    if (heldOut.size() > 0) {
                        heldOutIou = scoreHeldOut(net, heldOut, device, step);
                    }
                    save(net, adam, step, out, heldOutIou);
                    log.println("train: the run had finished at step " + step + "; its model is written again");
                }
            }
            return new Result(net.weights(modelArchitecture), firstSeg, emaSeg, firstDepth, emaDepth, heldOutIou);
        }
    }

    /**
     * The two distillation terms of {@link #distillFrom} for one batch, summed: the teacher's forward (eval mode, no
     * gradient) on the same crops, the KL divergence of the student's softened class posteriors from the teacher's
     * (times T², per pixel), and the L1 of log-depth to the teacher's on the pixels whose depth weight is 0.
     */
    static Tensor distillationLoss(TorchFcn teacherNet, Tensor x, Tensor[] student, float[] depthWeights,
                                    float[] unlabelled, Device device) {
        Tensor[] taught;
        try (NoGradGuard guard = new NoGradGuard()) {
            taught = teacherNet.forward(x, false);
        }
        org.bytedeco.pytorch.Scalar temperature = new org.bytedeco.pytorch.Scalar(DISTILL_TEMPERATURE);
        Tensor logStudent = student[0].div(temperature).log_softmax(1);
        Tensor logTeacher = taught[0].div(temperature).log_softmax(1);
        Tensor kl = logTeacher.exp().mul(logTeacher.sub(logStudent)).sum()
                .div(new org.bytedeco.pytorch.Scalar((double) student[0].numel() / student[0].size(1)))
                .mul(new org.bytedeco.pytorch.Scalar(DISTILL_TEMPERATURE * DISTILL_TEMPERATURE));
        for (int i = 0; i < unlabelled.length; i++) {
            unlabelled[i] = depthWeights[i] > 0 ? 0f : 1f;
        }
        long[] shape = student[1].sizes().vec().get();
        Tensor mask = Tensor.create(unlabelled, shape);
        if (device != null) {
            mask = mask.to(device, torch.ScalarType.Float);
        }
        org.bytedeco.pytorch.Scalar floor = new org.bytedeco.pytorch.Scalar(1e-3);
        Tensor depth = student[1].clamp_min(floor).log().sub(taught[1].clamp_min(floor).log()).abs().mul(mask).sum()
                .div(mask.sum().clamp_min(new org.bytedeco.pytorch.Scalar(1.0)));
        return kl.add(depth);
    }

    /** Rows and columns 0, 2, 4, … of a tensor: its dimensions {@code heightDim} and the one after it, subsampled. */
    private static Tensor everyOther(Tensor t, int heightDim) {
        return t.slice(heightDim, new LongOptional(0), new LongOptional(t.size(heightDim)), 2)
                .slice(heightDim + 1, new LongOptional(0), new LongOptional(t.size(heightDim + 1)), 2);
    }

    /** Scores the held-out frames with the eval-mode network at the model's input size; logs and returns mIoU. */
    private double scoreHeldOut(TorchFcn net, Frames frames, Device device, long step) {
        int w = frames.width;
        int h = frames.height;
        SegmentationScore score = new SegmentationScore(modelArchitecture.classes());
        float[] input = new float[3 * w * h];
        try (Preprocessor pre = new Preprocessor(w, h, ModelContract.imagenetMean(), ModelContract.imagenetStd(),
                true, false); NoGradGuard guard = new NoGradGuard()) {
            ByteBuffer bgr = ByteBuffer.allocateDirect(w * h * 3);
            FloatBuffer planes = ByteBuffer.allocateDirect(4 * 3 * w * h).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            ByteBuffer predicted = ByteBuffer.allocate(w * h);
            for (int i = 0; i < frames.size(); i++) {
                bgr.position(0);
                bgr.put(frames.bgr.get(i)).position(0);
                pre.toTensor(bgr, planes);
                planes.get(0, input);
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = Tensor.create(input, 1, 3, h, w).to(device, torch.ScalarType.Float);
                    Tensor ids = net.forward(x, false)[0].argmax(new org.bytedeco.pytorch.LongOptional(1),
                            false).to(torch.ScalarType.Byte).cpu().contiguous();
                    byte[] out = new byte[w * h];
                    ids.data_ptr_byte().get(out);
                    predicted.position(0);
                    predicted.put(out).position(0);
                }
                score.add(predicted, ByteBuffer.wrap(frames.labels.get(i)), w * h);
            }
        }
        StringBuilder worst = new StringBuilder();
        double maxRatio = 0;
        for (int c = 0; c < score.classes(); c++) {
            double ratio = score.predictedPixels(c) / (double) Math.max(1, score.truthPixels(c));
            maxRatio = Math.max(maxRatio, ratio);
            worst.append(String.format(Locale.ROOT, " %s %.1f/%.2fx", ModelContract.CAMVID_CLASSES.get(c).name(),
                    100 * score.iou(c), ratio));
        }
        log.printf(Locale.ROOT, "held-out %s at step %d: mIoU %.2f %%, pixel accuracy %.2f %%, largest"
                        + " predicted/true %.2fx;%s%n", settings.heldOut(), step, 100 * score.meanIou(),
                100 * score.pixelAccuracy(), maxRatio, worst);
        return score.meanIou();
    }

    private void save(TorchFcn net, AdamW adam, long step, Path out, double heldOutIou) throws IOException {
        Map<String, String> properties = new LinkedHashMap<>(settings.properties());
        properties.put("step", Long.toString(step));
        properties.put("architecture", FcnArchitecture.NAME);
        if (!Arrays.equals(modelArchitecture.channels(), FcnArchitecture.defaults().channels())) {
            properties.put(TrainingCheckpoint.CHANNELS, modelArchitecture.channelsText());
        }
        if (!warmStartName.isEmpty()) {
            properties.put("warm_start", warmStartName);
        }
        if (teacher != null) {
            properties.put(DISTILL, Double.toString(distillWeight));
            properties.put(TEACHER, teacherName);
            properties.put(TEACHER_SHA256, teacherDigest);
        }
        Map<String, TrainingCheckpoint.Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : net.parameters().entrySet()) {
            tensors.put(TrainingCheckpoint.PARAM + e.getKey(), TorchFcn.checkpointTensor(e.getValue()));
        }
        for (Map.Entry<String, Tensor> e : net.buffers().entrySet()) {
            tensors.put(TrainingCheckpoint.BUFFER + e.getKey(), TorchFcn.checkpointTensor(e.getValue()));
        }
        for (Map.Entry<String, Tensor> e : adam.firstMoments().entrySet()) {
            tensors.put("adam.m/" + e.getKey(), TorchFcn.checkpointTensor(e.getValue()));
        }
        for (Map.Entry<String, Tensor> e : adam.secondMoments().entrySet()) {
            tensors.put("adam.v/" + e.getKey(), TorchFcn.checkpointTensor(e.getValue()));
        }
        properties.put("adam_steps", Long.toString(adam.steps()));
        properties.put(CLASS_WEIGHTS, classWeightsText);
        if (!Double.isNaN(heldOutIou)) {
            properties.put(HELD_OUT_MIOU, Double.toString(heldOutIou));
        }
        TrainingCheckpoint checkpoint = new TrainingCheckpoint(properties, tensors);
        checkpoint.write(checkpointFor(out));
        Map<String, String> metadata = modelMetadata(checkpoint);
        OnnxModelWriter.write(net.weights(modelArchitecture), metadata, out);
    }

    /**
     * Checkpoint property of a run trained outside this trainer: what its synthetic data was ({@code gpu_train.py}: a
     * training bundle's fixed samples), where this trainer streams the drives of the run's seed.
     */
    static final String SIM_DATA = "sim_data";
    /** Checkpoint properties of a distilled run ({@link #distillFrom}): its weight, the teacher's name and digest. */
    static final String DISTILL = "distill";
    static final String TEACHER = "teacher";
    static final String TEACHER_SHA256 = "teacher_sha256";

    /**
     * The metadata of the model a run's checkpoint exports as: what it was trained on, with which settings, its class
     * weights and its held-out score. Built from the checkpoint's properties alone, so a checkpoint written by another
     * trainer with the same keys ({@code scripts/gpu_train.py}, which adds {@value #TRAINER}) exports the same way.
     *
     * @throws IllegalArgumentException naming a setting the checkpoint lacks
     */
    public static Map<String, String> modelMetadata(TrainingCheckpoint run) {
        FcnArchitecture architecture = run.architecture();
        Map<String, String> properties = run.properties();
        java.util.function.Function<String, String> get = run::property;
        String heldOut = get.apply("held_out");
        String warm = properties.getOrDefault("warm_start", "");
        String trainer = properties.getOrDefault(TRAINER, "");
        double contact = Double.parseDouble(properties.getOrDefault("contact_depth_weight", "0"));
        double suburb = Double.parseDouble(properties.getOrDefault("sim_suburb_share", "0"));
        double lovasz = Double.parseDouble(properties.getOrDefault("lovasz", "0"));
        double copyPaste = Double.parseDouble(properties.getOrDefault("copy_paste", "0"));
        double classUniform = Double.parseDouble(properties.getOrDefault("class_uniform", "0"));
        Map<String, String> metadata = ModelContract.metadata(architecture, ModelContract.CAMVID_CLASSES,
                CAMVID_CAMERA.fx() * architecture.inputWidth() / CAMVID_CAMERA.width(),
                String.format(Locale.ROOT, "trained by %s: step %s of %s, %s CamVid + %s synthetic %s crops per batch,"
                                + " seed %s%s%s%s", trainer.isEmpty() ? "roadseg train" : trainer, get.apply("step"),
                        get.apply("steps"), get.apply("camvid_per_batch"), get.apply("sim_per_batch"),
                        get.apply("crop"), get.apply("seed"),
                        copyPaste > 0 ? ", copy-paste " + copyPaste : "",
                        classUniform > 0 ? ", class-uniform crops " + classUniform : "",
                        lovasz > 0 ? ", loss cross-entropy + " + lovasz + " * Lovasz-softmax" : "")
                        + (Boolean.parseBoolean(properties.getOrDefault("relu", "false"))
                        ? ", ReLU (PReLU slopes held at 0)" : "")
                        + (properties.containsKey(DISTILL) ? ", distilled from " + properties.get(TEACHER) + " (weight "
                        + properties.get(DISTILL) + ")" : ""));
        metadata.put(ModelContract.TRAINING_DATA, "CamVid " + get.apply("splits").replace(',', '+')
                + (heldOut.isEmpty() ? "" : " without sequence " + heldOut)
                + "; synthetic town drives (" + properties.getOrDefault(SIM_DATA, "roadseg sim, seed " + get.apply("seed"))
                + (suburb > 0 ? ", " + Math.round(100 * suburb) + " % of them suburbs" : "") + ")"
                + (contact > 0 ? "; depth pseudo-labels on CamVid: sky, road, pavement and "
                + "standing objects' ground contact" + (Boolean.parseBoolean(properties.getOrDefault("contact_trees",
                "false")) ? ", trees' included" : "") + " (weight " + contact + ", CamVid camera pitch "
                + properties.getOrDefault("camvid_pitch_deg", "2.0") + "°)" : "")
                + (warm.isEmpty() ? "" : "; warm restart from " + warm));
        metadata.put(ModelContract.CLASS_WEIGHTS, properties.getOrDefault(CLASS_WEIGHTS, ""));
        String score = properties.get(HELD_OUT_MIOU);
        metadata.put(ModelContract.HELD_OUT, heldOut.isEmpty() ? "none" : "CamVid sequence " + heldOut
                + (score == null ? "" : String.format(Locale.ROOT, ", mIoU %.2f %% at step %s",
                100 * Double.parseDouble(score), get.apply("step"))));
        return metadata;
    }

    /** Restores network, BatchNorm statistics and optimiser; returns the step the checkpoint was taken at. */
    private long restore(TrainingCheckpoint checkpoint, TorchFcn net, AdamW adam) throws IOException {
        Map<String, String> expected = settings.properties();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String found = checkpoint.properties().getOrDefault(e.getKey(), ADDED_SETTINGS.get(e.getKey()));
            if (!e.getValue().equals(found)) {
                throw new IOException("--resume: the checkpoint was trained with " + e.getKey() + " = " + found
                        + ", this run has " + e.getValue() + "; resume with the same settings");
            }
        }
        String distilled = checkpoint.properties().getOrDefault(DISTILL, "0.0");
        String asked = teacher == null ? "0.0" : Double.toString(distillWeight);
        if (!distilled.equals(asked)) {
            throw new IOException("--resume: the checkpoint was trained with distillation weight " + distilled
                    + (distilled.equals("0.0") ? "" : " from " + checkpoint.properties().get(TEACHER))
                    + ", this run has " + asked + "; resume with the same --teacher and --distill");
        }
        if (teacher != null && !teacherDigest.equals(checkpoint.properties().get(TEACHER_SHA256))) {
            throw new IOException("--resume: the checkpoint was distilled from " + checkpoint.properties().get(TEACHER)
                    + " (SHA-256 " + checkpoint.properties().get(TEACHER_SHA256) + "), this run's --teacher "
                    + teacherName + " is another file (" + teacherDigest + ")");
        }
        if (checkpoint.properties().containsKey("warm_start")) {
            warmStartName = checkpoint.properties().get("warm_start");
        }
        load(checkpoint, "param/", net.parameters());
        load(checkpoint, "buffer/", net.buffers());
        load(checkpoint, "adam.m/", adam.firstMoments());
        load(checkpoint, "adam.v/", adam.secondMoments());
        adam.restore(Long.parseLong(checkpoint.property("adam_steps")));
        return Long.parseLong(checkpoint.property("step"));
    }

    private static FcnArchitecture architectureOf(TrainingCheckpoint checkpoint, String option) throws IOException {
        try {
            return checkpoint.architecture();
        } catch (IllegalArgumentException e) {
            throw new IOException(option + ": " + e.getMessage());
        }
    }

    /** The defaults (model input size, classes, depth range) with these widths. */
    private static FcnArchitecture widthsOf(FcnArchitecture architecture) {
        int[] c = architecture.channels();
        return FcnArchitecture.defaults().withChannels(c[0], c[1], c[2], c[3]);
    }

    private static void load(TrainingCheckpoint checkpoint, String prefix, Map<String, Tensor> into)
            throws IOException {
        for (Map.Entry<String, Tensor> e : into.entrySet()) {
            TrainingCheckpoint.Tensor t = checkpoint.tensors().get(prefix + e.getKey());
            if (t == null || t.values().length != e.getValue().numel()) {
                throw new IOException("checkpoint lacks " + prefix + e.getKey() + " or its size differs");
            }
            TorchFcn.load(e.getValue(), t.values());
        }
    }

    /** Random scale, crop and flip by one affine warp (OpenCV), and colour jitter; buffers reused. */
    private static final class Augmenter implements AutoCloseable {
        private final int cw;
        private final int ch;
        private final int fw;
        private final int fh;
        private final Mat srcBgr;
        private final Mat srcIds;
        private final Mat srcDepth;
        private final Mat dstBgr;
        private final Mat dstIds;
        private final Mat dstDepth;
        private final Mat matrix = new Mat(2, 3, CV_64FC1);
        private final Size size;
        private final Scalar black = new Scalar(0.0);
        private final Scalar voidId = new Scalar(ModelContract.CAMVID_CLASSES.size());
        private final int[] lut = new int[3 * 256];
        private double scale;
        private double offsetY;

        Augmenter(int cw, int ch, int fw, int fh) {
            this.cw = cw;
            this.ch = ch;
            this.fw = fw;
            this.fh = fh;
            srcBgr = new Mat(fh, fw, CV_8UC3);
            srcIds = new Mat(fh, fw, CV_8UC1);
            srcDepth = new Mat(fh, fw, CV_32FC1);
            dstBgr = new Mat(ch, cw, CV_8UC3);
            dstIds = new Mat(ch, cw, CV_8UC1);
            dstDepth = new Mat(ch, cw, CV_32FC1);
            size = new Size(cw, ch);
        }

        /**
         * Scales the frame by {@code zoom}, takes a random {@code cw x ch} window (padding outside), maybe flips.
         *
         * @param focus null, or a source pixel (column, row) the window must contain: placed uniformly around it, kept
         *              inside the scaled frame where the frame is larger than the window
         */
        void warp(SplittableRandom random, double zoom, byte[] bgr, byte[] ids, float[] depth, byte[] outBgr,
                  byte[] outIds, float[] outDepth, int[] focus) {
            double sw = fw * zoom;
            double sh = fh * zoom;
            double ox = windowStart(random, sw, cw, focus == null ? Double.NaN : (focus[0] + 0.5) * zoom);
            double oy = windowStart(random, sh, ch, focus == null ? Double.NaN : (focus[1] + 0.5) * zoom);
            boolean flip = random.nextBoolean();
            scale = zoom;
            offsetY = oy;
            java.nio.DoubleBuffer m = matrix.createBuffer();
            m.put(0, flip ? -zoom : zoom).put(1, 0).put(2, flip ? cw - 1 + ox : -ox);
            m.put(3, 0).put(4, zoom).put(5, -oy);
            srcBgr.data().put(bgr);
            srcIds.data().put(ids);
            warpAffine(srcBgr, dstBgr, matrix, size, INTER_LINEAR, BORDER_CONSTANT, black);
            warpAffine(srcIds, dstIds, matrix, size, INTER_NEAREST, BORDER_CONSTANT, voidId);
            dstBgr.data().get(outBgr);
            dstIds.data().get(outIds);
            if (depth != null) {
                ((FloatBuffer) srcDepth.createBuffer()).put(0, depth);
                warpAffine(srcDepth, dstDepth, matrix, size, INTER_NEAREST, BORDER_CONSTANT, black);
                ((FloatBuffer) dstDepth.createBuffer()).get(0, outDepth);
            }
        }

        /** @return the source frame's row that crop row {@code y} came from, or -1 outside the frame */
        int sourceRow(int y) {
            int row = (int) Math.floor((y + offsetY) / scale);
            return row >= 0 && row < fh ? row : -1;
        }

        /** Brightness, contrast, gamma, per-channel gain (one lookup table per channel) and saturation. */
        void jitter(SplittableRandom random, byte[] bgr) {
            double gamma = Math.exp((random.nextDouble() * 2 - 1) * Math.log(1.6));
            double contrast = 0.7 + 0.6 * random.nextDouble();
            double brightness = (random.nextDouble() * 2 - 1) * 0.15;
            double saturation = 0.6 + 0.8 * random.nextDouble();
            for (int c = 0; c < 3; c++) {
                double gain = 0.9 + 0.2 * random.nextDouble();
                for (int v = 0; v < 256; v++) {
                    double x = Math.pow(v / 255.0, gamma);
                    x = ((x - 0.5) * contrast + 0.5 + brightness) * gain;
                    lut[c * 256 + v] = (int) Math.max(0, Math.min(255, Math.round(x * 255)));
                }
            }
            for (int i = 0; i < bgr.length; i += 3) {
                int b = lut[bgr[i] & 0xff];
                int g = lut[256 + (bgr[i + 1] & 0xff)];
                int r = lut[512 + (bgr[i + 2] & 0xff)];
                double grey = 0.114 * b + 0.587 * g + 0.299 * r;
                bgr[i] = (byte) Math.max(0, Math.min(255, (int) Math.round(grey + saturation * (b - grey))));
                bgr[i + 1] = (byte) Math.max(0, Math.min(255, (int) Math.round(grey + saturation * (g - grey))));
                bgr[i + 2] = (byte) Math.max(0, Math.min(255, (int) Math.round(grey + saturation * (r - grey))));
            }
        }

        @Override
        public void close() {
            for (Mat mat : new Mat[] {srcBgr, srcIds, srcDepth, dstBgr, dstIds, dstDepth, matrix}) {
                mat.close();
            }
            size.close();
            black.close();
            voidId.close();
        }
    }
}
