package io.roadseg.fleet;

import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import io.roadseg.metrics.ConfidenceScore;
import io.roadseg.metrics.DepthScore;
import io.roadseg.metrics.LeadScore;
import io.roadseg.metrics.NearestAheadScore;
import io.roadseg.metrics.SegmentationScore;
import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.PipelineConfig;
import io.roadseg.postprocess.CameraClassChecks;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.postprocess.LeadTracker;
import io.roadseg.postprocess.NearestAheadProbe;
import io.roadseg.postprocess.RoadCurve;
import io.roadseg.preprocess.CameraHealth;
import io.roadseg.preprocess.CameraIssueCounts;
import io.roadseg.preprocess.CameraReading;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import org.HdrHistogram.Histogram;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_NEAREST;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Scores a model on recorded drives that carry their own ground truth (per-pixel classes and depth: the recordings
 * {@code roadseg sim} writes; or CamVid-style folders of images with their labels in a sibling {@code …annot}
 * folder, without depth), one drive at a time, with one open engine: every frame at the model's input size, the
 * truth resized to it (nearest; a CamVid-style folder's class map brought to its labels' resolution instead), depth
 * rescaled by the focal-length rule where the drive knows its camera and scored up to the model's range, and the
 * distance to the nearest road user ahead measured on prediction and truth alike ({@link NearestAheadProbe}), as is
 * the lead in the vehicle's path with its closing speed and time to contact ({@link LeadTracker}, the path bent along
 * the road read in the prediction, {@link RoadCurve}; the truth's in the path the drive says was driven, followed by
 * {@link LeadTracker#truth}, as {@code run} scores it). What
 * {@code eval --drive}, {@code eval --drives} and the fleet job on Spark all use (through
 * {@link FittedDriveEvaluator}, one per input size), so their figures agree to the last pixel.
 *
 * <p><b>Against a reference model</b> ({@link #DriveEvaluator(InferenceEngine, InferenceEngine, SourceOptions)}): every drive —
 * a recording, a video, an MCAP file, a folder of pictures: a fleet's drives have no labels — is scored against what
 * another model (the one in service) makes of the same frames at the same input size, its classes and depth taken for
 * the truth: the figures are then the two models' agreement (per-class IoU of one's classes against the other's,
 * depth's relative difference, the nearest road users ahead), which says where a candidate changes what the car
 * would see before any label exists. The lead in the path is not scored that way (no path driven to follow).
 *
 * <p>Threading: one thread; buffers at the model's size are allocated once, those at a drive's size per drive.
 */
public final class DriveEvaluator implements AutoCloseable {
    private final InferenceEngine inference;
    private final TensorBinding binding;
    private final Preprocessor pre;
    private final ModelInfo m;
    private final Mat small;
    private final Mat predicted;
    private final Mat truth;
    private final Mat truthDepth;
    /** The network's confidence in each pixel's class, where the model outputs scores ({@link #scores}). */
    private final Mat confidenceMap;
    private final ByteBuffer confidenceView;
    private final boolean scores;
    private final Mat[] confidenceScratch = {new Mat(), new Mat()};
    /** A CamVid-style folder's class map at its labels' resolution (sized at the first frame). */
    private final Mat atLabels = new Mat();
    private final Size size;
    private final ByteBuffer smallView;
    /** The camera check, as {@code run} makes it on each frame at the model's size. */
    private final CameraHealth health;
    /** The same for a CamVid-style folder of images, each coded on its own. */
    private final CameraHealth imageHealth;
    private final CameraReading reading = new CameraReading();
    private final ByteBuffer predictedView;
    private final ByteBuffer truthView;
    private final FloatBuffer truthDepthView;
    /** The nearest road user ahead, measured the same way on the prediction and on the truth (as run's scoring). */
    private final NearestAheadProbe ahead;
    private final int[] roadUsers;
    private final float[] predictedAhead;
    private final float[] truthAhead;
    /** The model whose output stands for the truth, its binding and preprocessing; null: the drive's truth. */
    private final InferenceEngine reference;
    private final TensorBinding referenceBinding;
    private final Preprocessor referencePre;
    private final Mat referenceConfidence;
    /** How drives are opened: an MCAP drive's camera topic. */
    private final SourceOptions sources;

    /** @param inference an open engine, owned by the caller */
    public DriveEvaluator(InferenceEngine inference) throws Exception {
        this(inference, null, SourceOptions.defaults());
    }

    /**
     * @param inference an open engine, owned by the caller
     * @param reference an open engine of the model to score against instead of the drives' truth (null: the truth),
     *                  at the same input size and with the same classes; owned by the caller
     * @param sources   how each drive is opened (an MCAP drive's camera topic: {@link SourceOptions#topic()})
     * @throws IllegalArgumentException where the reference runs at another size or has other classes
     */
    public DriveEvaluator(InferenceEngine inference, InferenceEngine reference, SourceOptions sources)
            throws Exception {
        this.sources = sources;
        this.inference = inference;
        this.binding = inference.allocate();
        this.pre = new Preprocessor(inference.model());
        this.m = inference.model();
        int w = m.inputWidth();
        int h = m.inputHeight();
        small = new Mat(h, w, CV_8UC3);
        predicted = new Mat(h, w, CV_8UC1);
        truth = new Mat(h, w, CV_8UC1);
        truthDepth = new Mat(h, w, CV_32FC1);
        confidenceMap = new Mat(h, w, CV_8UC1);
        confidenceView = confidenceMap.data().capacity((long) w * h).asByteBuffer();
        scores = m.segmentation() == SegmentationOutput.LOGITS;
        size = new Size(w, h);
        smallView = small.data().capacity(3L * w * h).asByteBuffer();
        health = new CameraHealth(w, h, false); // a recording's video: the frozen check needs the drive's motion
        imageHealth = new CameraHealth(w, h, true);
        predictedView = predicted.data().capacity((long) w * h).asByteBuffer();
        truthView = truth.data().capacity((long) w * h).asByteBuffer();
        truthDepthView = truthDepth.data().capacity(4L * w * h).asByteBuffer().order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        ahead = new NearestAheadProbe(w, h, m.classCount(), FrameResult.roadUserIds(m.classNames()));
        roadUsers = ahead.trackedIds();
        predictedAhead = new float[Math.max(m.classCount(), 1)];
        truthAhead = new float[predictedAhead.length];
        this.reference = reference;
        if (reference != null) {
            ModelInfo r = reference.model();
            if (r.inputWidth() != w || r.inputHeight() != h) {
                throw new IllegalArgumentException("the reference model runs at " + r.inputWidth() + "x"
                        + r.inputHeight() + ", the model at " + w + "x" + h);
            }
            if (!r.classNames().equals(m.classNames())) {
                throw new IllegalArgumentException("the reference model has other classes (" + r.classNames()
                        + ") than the model (" + m.classNames() + ")");
            }
            referenceBinding = reference.allocate();
            referencePre = new Preprocessor(r);
            referenceConfidence = new Mat(h, w, CV_8UC1);
        } else {
            referenceBinding = null;
            referencePre = null;
            referenceConfidence = null;
        }
    }

    /**
     * Evaluates one drive; never throws for a bad drive: a drive that does not exist, cannot be decoded or has no
     * ground truth is a failed result naming why; one that fails part-way (a video cut short, a damaged chunk) is a
     * partial result, the frames scored before it with the error.
     *
     * @param limit at most this many frames (0 = all)
     */
    public DriveResult evaluate(String drive, long limit) {
        SegmentationScore seg = new SegmentationScore(m.classCount());
        ConfidenceScore confidence = new ConfidenceScore();
        DepthScore depth = new DepthScore();
        NearestAheadScore nearest = new NearestAheadScore(Math.max(m.classCount(), 1));
        LeadScore lead = new LeadScore();
        CameraIssueCounts camera = new CameraIssueCounts();
        health.reset(); // a new drive: its first picture has no previous one
        imageHealth.reset();
        boolean leadScored = false;
        Histogram latency = new Histogram(1, LatencyStats.HIGHEST_NANOS, 3);
        long n = 0;
        String stopped = null; // why the drive stopped before its end, after n frames
        if (reference != null) {
            return againstReference(drive, limit, seg, confidence, depth, nearest, camera, latency);
        }
        java.nio.file.Path folder = java.nio.file.Path.of(drive);
        java.nio.file.Path annot = folder.resolveSibling(folder.getFileName() + "annot");
        if (!drive.contains("://") && java.nio.file.Files.isDirectory(folder)
                && java.nio.file.Files.isDirectory(annot)) {
            return camvid(drive, folder, limit, seg, confidence, camera, latency);
        }
        try (FrameSource src = FrameSources.open(drive, sources)) {
            if (!src.hasGroundTruth()) {
                return DriveResult.failed(drive, "no ground truth to score against (a recording folder written by "
                        + "roadseg sim has it)");
            }
            int sw = src.info().width();
            int sh = src.info().height();
            int w = m.inputWidth();
            int h = m.inputHeight();
            // the focal-length rule, as run --calib applies it: the network's depth is for its training focal length
            // at the input width; the truth's camera, seen at this input width, has another when w differs from sw
            double rule = m.depthScaleFor(src.groundTruthFocalPx(), sw);
            float depthScale = Double.isNaN(rule) ? 1f : (float) rule;
            // the lead in the path, as run reads it: a one-lane corridor at the truth camera's focal length
            NearestAheadProbe path = PipelineConfig.Path.DEFAULT.probe(m, depthScale, roadUsers);
            RoadCurve curve = path == null ? null : PipelineConfig.Path.DEFAULT.curve(m, depthScale, roadUsers);
            leadScored = path != null;
            LeadTracker predictedLead = new LeadTracker(roadUsers, m.maxDepth());
            LeadTracker truthLead = LeadTracker.truth(roadUsers, m.maxDepth());
            CameraClassChecks checks = new CameraClassChecks(m); // the drive's own: each looks back a second
            try (Mat frame = new Mat(sh, sw, CV_8UC3);
                 Mat gtIds = new Mat(sh, sw, CV_8UC1);
                 Mat gtDepth = new Mat(sh, sw, CV_32FC1)) {
                ByteBuffer frameView = frame.data().capacity(3L * sw * sh).asByteBuffer();
                ByteBuffer idsView = gtIds.data().capacity((long) sw * sh).asByteBuffer();
                FloatBuffer depthView = gtDepth.data().capacity(4L * sw * sh).asByteBuffer()
                        .order(ByteOrder.nativeOrder()).asFloatBuffer();
                long pts;
                while ((limit <= 0 || n < limit) && (pts = src.read(frameView)) != FrameSource.END_OF_STREAM) {
                    src.readGroundTruth(idsView, depthView);
                    pre.resizeToModel(frame, small);
                    health.measure(smallView, pts, Double.isFinite(src.vehicleCurvature()), reading);
                    resize(gtIds, truth, size, 0, 0, INTER_NEAREST);
                    resize(gtDepth, truthDepth, size, 0, 0, INTER_NEAREST);
                    latency.recordValue(Math.max(1, Math.min(LatencyStats.HIGHEST_NANOS, infer())));
                    checks.read(reading, predictedView); // as run's postprocess stage: the way up, a smear
                    camera.count(reading);
                    if (depthScale != 1f) {
                        for (int i = 0; i < w * h; i++) {
                            binding.depth.put(i, binding.depth.get(i) * depthScale);
                        }
                    }
                    score(seg, confidence, depth, nearest);
                    if (path != null) {
                        double curvature = 0;
                        if (curve != null) {
                            curve.update(pts, predictedView, binding.depth);
                            curvature = curve.curvature();
                        }
                        path.setPath(curvature);
                        path.measure(predictedView, binding.depth, predictedAhead);
                        predictedLead.update(pts, predictedAhead, path, predictedView, binding.depth);
                        double driven = src.groundTruthPathCurvature();
                        path.setPath(driven);
                        path.measure(truthView, truthDepthView, truthAhead);
                        truthLead.update(pts, truthAhead);
                        lead.add(predictedLead.leadClass(), predictedLead.distance(), predictedLead.closingSpeed(),
                                predictedLead.timeToContact(), truthLead.leadClass(), truthLead.distance(),
                                truthLead.closingSpeed(), truthLead.timeToContact());
                        lead.addPath(curvature, driven);
                        if (predictedLead.leadClass() >= 0 && truthLead.leadClass() >= 0) {
                            path.apparentHeight(truthView, truthDepthView, truthLead.distance());
                            lead.addLateral(predictedLead.lateral(), path.lateralOffset());
                        }
                    }
                    n++;
                }
            }
        } catch (Exception e) {
            stopped = why(drive, e);
        }
        if (n == 0) {
            return DriveResult.failed(drive, stopped == null ? "no frames" : stopped);
        }
        return new DriveResult(drive, stopped, n, seg.counts(), depth.sums(), latency, nearest.sums(),
                leadScored ? lead.sums() : new double[0], scores ? confidence.sums() : new long[0], camera.sums());
    }

    /**
     * Why a drive's source or scoring failed, in one line: the reason without the source's own "input DRIVE: "
     * prefix. After frames were scored, the drive's row keeps them beside it (a partial {@link DriveResult}).
     */
    private static String why(String drive, Exception e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        return why.replaceFirst("^input " + java.util.regex.Pattern.quote(drive) + ": ", "");
    }

    /**
     * Scores one frame's prediction ({@link #predicted}, the depth in the binding) against the truth's buffers
     * ({@link #truth}, {@link #truthDepth}): classes, confidence, depth, the nearest road users ahead.
     */
    private void score(SegmentationScore seg, ConfidenceScore confidence, DepthScore depth,
                       NearestAheadScore nearest) {
        int pixels = m.inputPixels();
        seg.add(predictedView, truthView, pixels);
        if (scores) {
            confidence.add(predictedView, confidenceView, truthView, pixels, m.classCount());
        }
        depth.add(binding.depth, truthDepthView, pixels, m.maxDepth());
        ahead.measure(predictedView, binding.depth, predictedAhead);
        ahead.measure(truthView, truthDepthView, truthAhead);
        nearest.add(roadUsers, predictedAhead, truthAhead);
    }

    /**
     * Any drive scored against the reference model's output on the same frames: its classes for the truth's, its
     * depth (each model's by its own focal-length rule where the drive knows its camera) for the true depth.
     */
    private DriveResult againstReference(String drive, long limit, SegmentationScore seg, ConfidenceScore confidence,
                                         DepthScore depth, NearestAheadScore nearest, CameraIssueCounts camera,
                                         Histogram latency) {
        long n = 0;
        String stopped = null;
        ModelInfo r = reference.model();
        int w = m.inputWidth();
        int h = m.inputHeight();
        ByteBuffer referenceConfidenceView = referenceConfidence.data().capacity((long) w * h).asByteBuffer();
        try (FrameSource src = FrameSources.open(drive, sources)) {
            int sw = src.info().width();
            int sh = src.info().height();
            double focal = src.groundTruthFocalPx();
            double rule = Double.isNaN(focal) ? Double.NaN : m.depthScaleFor(focal, sw);
            double referenceRule = Double.isNaN(focal) ? Double.NaN : r.depthScaleFor(focal, sw);
            float depthScale = Double.isNaN(rule) ? 1f : (float) rule;
            float referenceScale = Double.isNaN(referenceRule) ? 1f : (float) referenceRule;
            CameraHealth check = src.info().framesCodedApart() ? imageHealth : health;
            CameraClassChecks checks = new CameraClassChecks(m);
            try (Mat frame = new Mat(sh, sw, CV_8UC3)) {
                ByteBuffer frameView = frame.data().capacity(3L * sw * sh).asByteBuffer();
                long pts;
                while ((limit <= 0 || n < limit) && (pts = src.read(frameView)) != FrameSource.END_OF_STREAM) {
                    pre.resizeToModel(frame, small);
                    check.measure(smallView, pts, Double.isFinite(src.vehicleCurvature()), reading);
                    latency.recordValue(Math.max(1, Math.min(LatencyStats.HIGHEST_NANOS, infer())));
                    checks.read(reading, predictedView);
                    camera.count(reading);
                    // the reference on the same picture, through its own normalisation: its classes and depth
                    referencePre.toTensor(smallView, referenceBinding.input);
                    reference.infer(referenceBinding);
                    if (r.segmentation() == SegmentationOutput.LOGITS) {
                        ClassMaps.argmax(referenceBinding.logits, r.classCount(), r.inputPixels(),
                                r.confidenceTemperature(), truthView, referenceConfidenceView);
                    } else {
                        ClassMaps.narrow(referenceBinding.classIds, referenceBinding.classIdBytes, r.inputPixels(),
                                r.classCount(), r.voidId(), truthView);
                    }
                    for (int i = 0; i < w * h; i++) {
                        binding.depth.put(i, binding.depth.get(i) * depthScale);
                        truthDepthView.put(i, referenceBinding.depth.get(i) * referenceScale);
                    }
                    score(seg, confidence, depth, nearest);
                    n++;
                }
            }
        } catch (Exception e) {
            stopped = why(drive, e);
        }
        if (n == 0) {
            return DriveResult.failed(drive, stopped == null ? "no frames" : stopped);
        }
        return new DriveResult(drive, stopped, n, seg.counts(), depth.sums(), latency, nearest.sums(), new double[0],
                scores ? confidence.sums() : new long[0], camera.sums());
    }

    /**
     * A CamVid-style folder ({@code X/} with its labels in the sibling {@code Xannot/}, as CamVid's splits are): the
     * images and class labels, no depth.
     */
    private DriveResult camvid(String drive, java.nio.file.Path folder, long limit, SegmentationScore seg,
                               ConfidenceScore confidence, CameraIssueCounts camera, Histogram latency) {
        long n = 0;
        String stopped = null;
        CameraClassChecks checks = new CameraClassChecks(m);
        try {
            io.roadseg.train.LabelledFolder images = io.roadseg.train.LabelledFolder.camvid(folder.getParent(),
                    folder.getFileName().toString());
            for (int i = 0; i < images.size() && (limit <= 0 || n < limit); i++) {
                try (io.roadseg.train.LabelledFolder.Sample s = images.read(i)) {
                    pre.resizeToModel(s.image(), small);
                    imageHealth.measure(smallView, n * 1_000_000L, reading); // labelled frames: a second apart
                    latency.recordValue(Math.max(1, Math.min(LatencyStats.HIGHEST_NANOS, infer())));
                    checks.read(reading, predictedView);
                    camera.count(reading);
                    scoreAtLabels(seg, predicted, s.labels(), atLabels);
                    if (scores) {
                        scoreConfidenceAtLabels(confidence, predicted, confidenceMap, s.labels(), m.classCount(),
                                confidenceScratch);
                    }
                }
                n++;
            }
        } catch (Exception e) {
            stopped = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        if (n == 0) {
            return DriveResult.failed(drive, stopped == null ? "no labelled images" : stopped);
        }
        return new DriveResult(drive, stopped, n, seg.counts(), new DepthScore().sums(), latency, new double[0],
                new double[0], scores ? confidence.sums() : new long[0], camera.sums());
    }

    /**
     * Scores a class map against labels at the labels' own resolution (the map resized to them nearest-neighbour,
     * as {@code run}'s overlay is): CamVid's convention, and what lets figures at different input sizes compare.
     *
     * @param predicted class ids at the network's size
     * @param labels    true class ids, CV_8UC1
     * @param scratch   reused for the resized map; (re)allocated only when the labels' size changes
     */
    public static void scoreAtLabels(SegmentationScore seg, Mat predicted, Mat labels, Mat scratch) {
        if (scratch.cols() != labels.cols() || scratch.rows() != labels.rows()) {
            scratch.create(labels.rows(), labels.cols(), CV_8UC1);
        }
        try (Size s = new Size(labels.cols(), labels.rows())) {
            resize(predicted, scratch, s, 0, 0, INTER_NEAREST);
        }
        int pixels = labels.cols() * labels.rows();
        seg.add(scratch.data().capacity(pixels).asByteBuffer(), labels.data().capacity(pixels).asByteBuffer(),
                pixels);
    }

    /**
     * Scores a confidence map (one byte per pixel, {@code postprocess.ClassMaps}) with its class map at the labels'
     * own resolution, both resized nearest-neighbour as {@link #scoreAtLabels(SegmentationScore, Mat, Mat, Mat)}.
     *
     * @param scratch two maps of any size, made the labels' size here
     */
    public static void scoreConfidenceAtLabels(ConfidenceScore score, Mat predicted, Mat confidence, Mat labels,
                                               int classes, Mat[] scratch) {
        for (Mat m : scratch) {
            if (m.cols() != labels.cols() || m.rows() != labels.rows()) {
                m.create(labels.rows(), labels.cols(), CV_8UC1);
            }
        }
        try (Size s = new Size(labels.cols(), labels.rows())) {
            resize(predicted, scratch[0], s, 0, 0, INTER_NEAREST);
            resize(confidence, scratch[1], s, 0, 0, INTER_NEAREST);
        }
        int pixels = labels.cols() * labels.rows();
        score.add(scratch[0].data().capacity(pixels).asByteBuffer(), scratch[1].data().capacity(pixels).asByteBuffer(),
                labels.data().capacity(pixels).asByteBuffer(), pixels, classes);
    }

    /** Runs the network on {@code small}; the class map goes to {@code predicted}. Returns the engine's time. */
    private long infer() throws Exception {
        pre.toTensor(smallView, binding.input);
        long t = inference.infer(binding);
        if (scores) {
            ClassMaps.argmax(binding.logits, m.classCount(), m.inputPixels(), m.confidenceTemperature(), predictedView,
                    confidenceView);
        } else {
            ClassMaps.narrow(binding.classIds, binding.classIdBytes, m.inputPixels(), m.classCount(), m.voidId(),
                    predictedView);
        }
        return t;
    }

    /** @return the model as its engine runs it (input size included) */
    public ModelInfo model() {
        return m;
    }

    @Override
    public void close() {
        small.close();
        predicted.close();
        truth.close();
        truthDepth.close();
        confidenceMap.close();
        for (Mat scratch : confidenceScratch) {
            scratch.close();
        }
        atLabels.close();
        size.close();
        pre.close();
        binding.close();
        if (reference != null) {
            referencePre.close();
            referenceBinding.close();
            referenceConfidence.close();
        }
    }
}
