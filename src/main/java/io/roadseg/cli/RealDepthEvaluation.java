package io.roadseg.cli;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.TensorBinding;
import io.roadseg.metrics.DepthBenchmark;
import io.roadseg.metrics.DepthScenes;
import io.roadseg.metrics.RoadPlaneFit;
import io.roadseg.postprocess.AnnotationRenderer;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.postprocess.GroundPlaneDepth;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.stats.StatsReport;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.indexer.UShortIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * {@code roadseg eval --depth DIR}: the model's depth on real frames against LiDAR/stereo ground truth
 * ({@link DepthScenes}), scored with {@link DepthBenchmark} per scene and overall — metric (as the runtime would
 * output it, focal-corrected like {@code run --calib}), median-scaled, and the constant-median baseline.
 *
 * <p>Protocol: each image runs at its own aspect ({@code --input-size auto}); the predicted depth is resized
 * bilinearly to the ground truth's resolution and multiplied by the camera's focal length at the input width over
 * the model's training focal length; true depth is capped (80 m); KITTI scenes are scored inside the Garg/Eigen crop
 * (rows 40.8–99.2 %, columns 3.6–96.4 %).
 *
 * <p>Threading: one thread.
 */
final class RealDepthEvaluation {
    private final Path root;
    private final Path model;
    private final String engine;
    private final EngineOptions engineOptions;
    private final String inputSize;
    private final float cap;
    private final boolean focalScale;
    private final int limit;
    private final String json;
    private final double pitchWindowDeg;
    private final boolean byClass;
    private final boolean calibCheck;
    private final Path dump;
    private final Path classesFrom;

    RealDepthEvaluation(Path root, Path model, String engine, EngineOptions engineOptions, String inputSize, float cap,
                        boolean focalScale, int limit, String json, double pitchWindowDeg, boolean byClass,
                        boolean calibCheck, Path dump, Path classesFrom) {
        this.calibCheck = calibCheck;
        this.classesFrom = classesFrom;
        this.pitchWindowDeg = pitchWindowDeg;
        this.byClass = byClass;
        this.dump = dump;
        this.root = root;
        this.model = model;
        this.engine = engine;
        this.engineOptions = engineOptions;
        this.inputSize = inputSize;
        this.cap = cap;
        this.focalScale = focalScale;
        this.limit = limit;
        this.json = json;
    }

    /** An engine opened at one input size with its buffers (and, for {@code --dump}, a renderer made on first use). */
    private static final class Opened {
        final InferenceEngine engine;
        final TensorBinding binding;
        final Preprocessor pre;
        final Mat small;
        final Mat depth;
        private AnnotationRenderer renderer;

        Opened(InferenceEngine engine, TensorBinding binding, Preprocessor pre, Mat small, Mat depth) {
            this.engine = engine;
            this.binding = binding;
            this.pre = pre;
            this.small = small;
            this.depth = depth;
        }

        AnnotationRenderer renderer() {
            if (renderer == null) {
                renderer = new AnnotationRenderer(engine.model());
            }
            return renderer;
        }

        void close() throws Exception {
            if (renderer != null) {
                renderer.close();
            }
            depth.close();
            small.close();
            pre.close();
            binding.close();
            engine.close();
        }
    }

    int run() throws Exception {
        if (!(cap > 1)) {
            throw new UsageError("--cap " + cap + ": must be a depth in metres > 1");
        }
        List<DepthScenes.Frame> frames;
        try {
            frames = DepthScenes.list(root);
        } catch (IOException e) {
            throw UserError.of(e);
        }
        Map<String, Opened> engines = new LinkedHashMap<>();
        Map<String, Opened> classEngines = new LinkedHashMap<>(); // --classes-from, by the same keys
        Map<String, DepthBenchmark> scenes = new LinkedHashMap<>();
        DepthBenchmark all = new DepthBenchmark(cap);
        Map<String, DepthBenchmark> fusedScenes = new LinkedHashMap<>();
        DepthBenchmark fusedAll = new DepthBenchmark(cap);
        List<String> sizes = new ArrayList<>();
        ClassErrors classErrors = null;
        CalibrationCheck calibration = calibCheck ? new CalibrationCheck(cap) : null;
        int n = 0;
        try {
            for (DepthScenes.Frame f : frames) {
                if (limit > 0 && n >= limit) {
                    break;
                }
                DepthScenes.Camera cam = f.camera();
                try (Mat image = imread(f.image().toString(), IMREAD_COLOR);
                     Mat truth16 = imread(f.depth().toString(), IMREAD_UNCHANGED)) {
                    if (image.empty()) {
                        throw new UserError("depth data " + f.image() + ": not a readable image");
                    }
                    if (truth16.empty() || truth16.type() != CV_16UC1) {
                        throw new UserError("depth data " + f.depth() + ": not a 16-bit single-channel PNG"
                                + (truth16.empty() ? "" : " (OpenCV type " + truth16.type() + ")"));
                    }
                    int w = image.cols();
                    int h = image.rows();
                    if (truth16.cols() != w || truth16.rows() != h) {
                        throw new UserError("depth data " + f.depth() + ": " + truth16.cols() + "x" + truth16.rows()
                                + ", its image is " + w + "x" + h);
                    }
                    if (cam.width() != w || cam.height() != h) {
                        throw new UserError("camera " + f.image().getParent().resolveSibling("camera.json") + ": "
                                + cam.width() + "x" + cam.height() + ", its images are " + w + "x" + h);
                    }
                    EngineOptions options = InputSizeOption.apply(inputSize, engineOptions, w, h);
                    String key = options.inputSize() + "/" + options.sourceSize();
                    Opened o = engines.get(key);
                    if (o == null) {
                        o = open(model, options);
                        engines.put(key, o);
                        sizes.add(o.engine.model().inputWidth() + "x" + o.engine.model().inputHeight());
                    }
                    Opened oc = null;
                    if (classesFrom != null) {
                        oc = classEngines.get(key);
                        if (oc == null) {
                            oc = open(classesFrom, options);
                            classEngines.put(key, oc);
                            checkPairing(o.engine.model(), oc.engine.model());
                        }
                    }
                    ModelInfo m = o.engine.model();
                    o.pre.resizeToModel(image, o.small);
                    o.pre.toTensor(o.small.data().capacity(3L * m.inputPixels()).asByteBuffer(), o.binding.input);
                    o.engine.infer(o.binding);
                    double scale = 1.0;
                    if (focalScale && !Double.isNaN(m.focalPx())) {
                        scale = m.depthScaleFor(cam.fx(), w);
                    }
                    int mp = m.inputPixels();
                    float[] network = new float[mp];
                    byte[] ids = new byte[mp];
                    for (int i = 0; i < mp; i++) {
                        network[i] = (float) (o.binding.depth.get(i) * scale);
                    }
                    if (oc == null) {
                        ClassMaps.argmax(o.binding.logits, m.classCount(), mp, java.nio.ByteBuffer.wrap(ids));
                    } else {
                        ModelInfo mc = oc.engine.model();
                        oc.pre.resizeToModel(image, oc.small);
                        oc.pre.toTensor(oc.small.data().capacity(3L * mc.inputPixels()).asByteBuffer(),
                                oc.binding.input);
                        oc.engine.infer(oc.binding);
                        ClassMaps.argmax(oc.binding.logits, mc.classCount(), mp, java.nio.ByteBuffer.wrap(ids));
                    }
                    float[] predicted = upsample(o.depth, network, w, h);
                    float[] fusedFull = null;
                    float[] fusedModel = null;
                    GroundPlaneDepth plane = null;
                    if (!Double.isNaN(cam.cameraHeight())) {
                        double sy = (double) m.inputHeight() / h;
                        plane = new GroundPlaneDepth(m.inputWidth(), m.inputHeight(), cam.fy() * sy,
                                (cam.cy() + 0.5) * sy - 0.5, cam.cameraHeight(), cam.pitchDownDeg(), m.maxDepth(),
                                m.classIds("road", "pavement"), m.classIds("sky"), GroundPlaneDepth.standingIds(m),
                                pitchWindowDeg);
                        float[] fused = network.clone();
                        plane.apply(java.nio.ByteBuffer.wrap(ids), java.nio.FloatBuffer.wrap(fused));
                        fusedModel = fused;
                        fusedFull = upsample(o.depth, fused, w, h);
                    }
                    float[] truth = new float[w * h];
                    UShortIndexer idx = truth16.createIndexer();
                    int x0 = 0;
                    int x1 = w;
                    int y0 = 0;
                    int y1 = h;
                    if (f.kitti()) {
                        y0 = (int) (0.40810811 * h);
                        y1 = (int) (0.99189189 * h);
                        x0 = (int) (0.03594771 * w);
                        x1 = (int) (0.96405229 * w);
                    }
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0; x < x1; x++) {
                            truth[y * w + x] = (float) (idx.get(y, x) / f.camera().depthScale());
                        }
                    }
                    idx.close();
                    if (calibration != null && plane != null) {
                        calibration.add(f.scene(), cam, network, ids, truth, fusedFull, w, h, m, o.depth);
                    }
                    if (byClass) {
                        if (classErrors == null) {
                            classErrors = new ClassErrors(m.classNames(), cap);
                        }
                        classErrors.add(cam, predicted, fusedFull, truth, ids, w, h, m.inputWidth(),
                                m.inputHeight(), cap);
                        if (plane != null) {
                            classErrors.addGroundOracle(cam, plane, network, ids, truth, w, h, m.inputWidth(),
                                    m.inputHeight(), cap, (byte) m.classIds("pavement")[0], o.depth);
                        }
                    }
                    if (dump != null) {
                        dumpFrame(f, o, network, ids, fusedModel, truth, w, h);
                    }
                    scenes.computeIfAbsent(f.scene(), s -> new DepthBenchmark(cap)).addFrame(predicted, truth,
                            w * h);
                    all.addFrame(predicted, truth, w * h);
                    if (fusedFull != null) {
                        fusedScenes.computeIfAbsent(f.scene(), s -> new DepthBenchmark(cap)).addFrame(fusedFull,
                                truth, w * h);
                        fusedAll.addFrame(fusedFull, truth, w * h);
                    }
                    n++;
                }
            }
        } finally {
            for (Opened o : engines.values()) {
                o.close();
            }
            for (Opened o : classEngines.values()) {
                o.close();
            }
        }
        System.out.println("network depth" + (focalScale ? ", focal-corrected" : "") + ":");
        System.out.print(table(scenes, all, n, sizes));
        if (fusedAll.metric().frames() > 0) {
            System.out.println();
            System.out.println("fused with the ground plane of the calibrated camera (camera_height_m; "
                    + "postprocess.GroundPlaneDepth, as run --calib does)"
                    + (classesFrom != null ? ", the classes from " + classesFrom : "") + ":");
            System.out.print(table(fusedScenes, fusedAll, fusedAll.metric().frames(), sizes));
        }
        if (calibration != null) {
            System.out.println();
            System.out.print(calibration.table());
        }
        if (classErrors != null) {
            System.out.println();
            System.out.print(classErrors.table());
        }
        if (json != null) {
            String text = "{" + (classesFrom != null ? "\"classes_from\": " + io.roadseg.ros.Json.quote(
                    classesFrom.toString()) + ", " : "") + "\"network\": " + json(scenes, all) + ", \"fused\": "
                    + (fusedAll.metric().frames() > 0 ? json(fusedScenes, fusedAll) : "null") + "}\n";
            StatsReport.writeTo(json, EvalCommand.withSettings(text, inputSize, engineOptions.flipAverage()));
        }
        return 0;
    }

    /** @return the model-size pixel (row-major) that full-size pixel (x, y) falls in, as the class map is read */
    private static int modelPixel(int x, int y, int w, int h, int mw, int mh) {
        return Math.min(mh - 1, (int) ((y + 0.5) * mh / h)) * mw + Math.min(mw - 1, (int) ((x + 0.5) * mw / w));
    }

    /**
     * @return the flat ground's depth (along the optical axis) at full-size row y of the camera, metres, or NaN where
     *     the height is unknown or the row is at or above the horizon
     */
    private static double groundDepth(DepthScenes.Camera cam, int y) {
        double pitch = Math.toRadians(cam.pitchDownDeg());
        double down = (y - cam.cy()) / cam.fy() * Math.cos(pitch) + Math.sin(pitch);
        return down > 0 ? cam.cameraHeight() / down : Double.NaN;
    }

    /** @return whether a true depth lies on the flat ground: within 10 % of the ground's depth at its row */
    private static boolean onGround(float truth, double ground) {
        return ground > 0 && Math.abs(truth - ground) <= 0.1 * ground;
    }

    /**
     * {@code --calib-check}: each frame's road plane fitted to the true depth of the pixels the model calls road
     * (true depth up to {@value #FIT_RANGE_M} m; {@link RoadPlaneFit}), per scene beside camera.json's height and
     * pitch; and the fused depth again with each frame's fitted plane in place of camera.json's — how much of the
     * fused error is the calibration rather than the network. The second reads the truth: an oracle, never a figure of
     * the model.
     */
    private static final class CalibrationCheck {
        static final float FIT_RANGE_M = 40;
        private final RoadPlaneFit fit = new RoadPlaneFit();
        private final Map<String, List<RoadPlaneFit.Plane>> planes = new LinkedHashMap<>();
        private final Map<String, DepthScenes.Camera> cameras = new LinkedHashMap<>();
        private final DepthBenchmark asCalibrated;
        private final DepthBenchmark fitted;
        private final DepthBenchmark fittedPitch;
        private int unfitted;

        CalibrationCheck(float cap) {
            asCalibrated = new DepthBenchmark(cap);
            fitted = new DepthBenchmark(cap);
            fittedPitch = new DepthBenchmark(cap);
        }

        void add(String scene, DepthScenes.Camera cam, float[] network, byte[] ids, float[] truth, float[] fusedFull,
                 int w, int h, ModelInfo m, Mat modelSize) {
            int mw = m.inputWidth();
            int mh = m.inputHeight();
            int road = m.classIds("road")[0];
            fit.clear();
            for (int y = 0; y < h; y++) {
                double row = (y - cam.cy()) / cam.fy();
                for (int x = 0; x < w; x++) {
                    float t = truth[y * w + x];
                    if (t > 0 && t <= FIT_RANGE_M && (ids[modelPixel(x, y, w, h, mw, mh)] & 0xff) == road) {
                        fit.add(row, t);
                    }
                }
            }
            RoadPlaneFit.Plane p = fit.fit();
            cameras.putIfAbsent(scene, cam);
            List<RoadPlaneFit.Plane> list = planes.computeIfAbsent(scene, k -> new ArrayList<>());
            asCalibrated.addFrame(fusedFull, truth, w * h);
            if (p == null) {
                unfitted++;
                fitted.addFrame(fusedFull, truth, w * h);
                fittedPitch.addFrame(fusedFull, truth, w * h);
                return;
            }
            list.add(p);
            fitted.addFrame(fusedWith(p.heightM(), p.pitchDownDeg(), cam, network, ids, w, h, m, modelSize), truth,
                    w * h);
            fittedPitch.addFrame(fusedWith(cam.cameraHeight(), p.pitchDownDeg(), cam, network, ids, w, h, m,
                    modelSize), truth, w * h);
        }

        /** The fused depth, full size, with the ground plane of this height and pitch in place of camera.json's. */
        private static float[] fusedWith(double heightM, double pitchDownDeg, DepthScenes.Camera cam, float[] network,
                                         byte[] ids, int w, int h, ModelInfo m, Mat modelSize) {
            int mw = m.inputWidth();
            int mh = m.inputHeight();
            double sy = (double) mh / h;
            GroundPlaneDepth refit = new GroundPlaneDepth(mw, mh, cam.fy() * sy, (cam.cy() + 0.5) * sy - 0.5,
                    heightM, pitchDownDeg, m.maxDepth(), m.classIds("road", "pavement"), m.classIds("sky"),
                    GroundPlaneDepth.standingIds(m));
            float[] fused = network.clone();
            refit.apply(java.nio.ByteBuffer.wrap(ids), java.nio.FloatBuffer.wrap(fused));
            return upsample(modelSize, fused, w, h);
        }

        String table() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                    "calibration check: the road plane in the true depth (pixels called road, true depth <= %.0f m;"
                            + " median over the scene's frames, min..max) against camera.json:%n"
                            + "%-28s %6s | %24s | %s%n", FIT_RANGE_M, "scene", "fits",
                    "camera.json height, pitch", "fitted height m, pitch ° down"));
            for (Map.Entry<String, List<RoadPlaneFit.Plane>> e : planes.entrySet()) {
                DepthScenes.Camera cam = cameras.get(e.getKey());
                List<RoadPlaneFit.Plane> list = e.getValue();
                String fittedText = "no road plane";
                if (!list.isEmpty()) {
                    double[] hs = list.stream().mapToDouble(RoadPlaneFit.Plane::heightM).sorted().toArray();
                    double[] ps = list.stream().mapToDouble(RoadPlaneFit.Plane::pitchDownDeg).sorted().toArray();
                    fittedText = String.format(Locale.ROOT, "%.3f (%.3f..%.3f), %+.2f (%+.2f..%+.2f)",
                            hs[hs.length / 2], hs[0], hs[hs.length - 1], ps[ps.length / 2], ps[0], ps[ps.length - 1]);
                }
                b.append(String.format(Locale.ROOT, "%-28s %6d | %12.3f m, %+5.2f ° | %s%n", e.getKey(), list.size(),
                        cam.cameraHeight(), cam.pitchDownDeg(), fittedText));
            }
            DepthBenchmark.Errors a = asCalibrated.metric();
            DepthBenchmark.Errors f = fitted.metric();
            DepthBenchmark.Errors fp = fittedPitch.metric();
            b.append(String.format(Locale.ROOT, "fused, metric: AbsRel %.3f  RMSE %.3f  δ1 %.1f %% as calibrated; "
                            + "AbsRel %.3f  RMSE %.3f  δ1 %.1f %% with each frame's fitted plane, AbsRel %.3f  RMSE %.3f"
                            + "  δ1 %.1f %% with its fitted pitch at camera.json's height (oracles: they read "
                            + "the truth)%s%n", a.absRel(), a.rmse(), 100 * a.delta1(), f.absRel(), f.rmse(),
                    100 * f.delta1(), fp.absRel(), fp.rmse(), 100 * fp.delta1(),
                    unfitted == 0 ? "" : "; " + unfitted + " frame(s) without a fit kept as calibrated"));
            return b.toString();
        }
    }

    /**
     * {@code --by-class}: where the depth error lies, by the predicted class of each scored pixel (the model-size
     * class map read at the nearest position): the pixels' share, their AbsRel and δ&lt;1.25, and the median of
     * prediction / truth (above 1: too far), for the network's depth and the fused depth; and, where the camera's
     * height is known, the share of the class's pixels whose true depth is within 10 % of the flat ground's at their
     * row (a class lying on the ground, e.g. lawns taken for trees). Pixel-weighted over all frames, so it says which
     * classes carry the error, not a benchmark figure.
     *
     * <p>Two oracle columns size the levers in the benchmark's own terms (fused metric AbsRel, averaged per frame):
     * what it would be if this class's pixels had exactly the true depth (the most any better depth for the class
     * could give), and if this class's pixels that lie on the flat ground were called ground and the fusion run again
     * (the most a perfect "this is ground" decision for the class could give, e.g. a terrain class for lawns and
     * verges: they take the plane, and what stands behind them its contact from the ground's true edge; sparse truth
     * is read from the nearest scored pixel in the column). Both read the truth: diagnostics for choosing what to
     * work on, never a figure of the model.
     */
    private static final class ClassErrors {
        private final List<String> names;
        private final long[] count;
        private final double[][] absRel = new double[2][];
        private final long[][] within = new long[2][];
        private final int[][][] logRatio = new int[2][][];
        private final long[] onGround;
        private final long[] withGround;
        private long total;
        /** per frame: the fused AbsRel summed over the class's pixels */
        private final double[] frameSum;
        /** over frames: the fused AbsRel as is, if the class were exact, if its pixels on the ground were ground */
        private double asIs;
        private final double[] ifExact;
        private final DepthBenchmark[] ifGround;
        private int frames;

        ClassErrors(List<String> names, float cap) {
            this.names = names;
            int k = names.size();
            count = new long[k];
            onGround = new long[k];
            withGround = new long[k];
            frameSum = new double[k];
            ifExact = new double[k];
            ifGround = new DepthBenchmark[k];
            for (int c = 0; c < k; c++) {
                ifGround[c] = new DepthBenchmark(cap);
            }
            for (int j = 0; j < 2; j++) {
                absRel[j] = new double[k];
                within[j] = new long[k];
                logRatio[j] = new int[k][400];
            }
        }

        void add(DepthScenes.Camera cam, float[] network, float[] fused, float[] truth, byte[] ids, int w, int h,
                 int mw, int mh, float cap) {
            java.util.Arrays.fill(frameSum, 0);
            double frameTotal = 0;
            long frameN = 0;
            for (int y = 0; y < h; y++) {
                double ground = groundDepth(cam, y);
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    float t = truth[i];
                    if (!(t > 0) || t > cap) {
                        continue;
                    }
                    int c = ids[modelPixel(x, y, w, h, mw, mh)] & 0xff;
                    if (c >= count.length) {
                        continue;
                    }
                    count[c]++;
                    total++;
                    frameN++;
                    if (ground > 0) {
                        withGround[c]++;
                        if (onGround(t, ground)) {
                            onGround[c]++;
                        }
                    }
                    if (fused != null) {
                        double e = Math.abs(clamp(fused[i], cap) - t) / t;
                        frameTotal += e;
                        frameSum[c] += e;
                    }
                    for (int j = 0; j < 2; j++) {
                        float[] p = j == 0 ? network : fused;
                        if (p == null) {
                            continue;
                        }
                        double d = clamp(p[i], cap);
                        absRel[j][c] += Math.abs(d - t) / t;
                        if (Math.max(d / t, t / d) < 1.25) {
                            within[j][c]++;
                        }
                        int bin = (int) Math.round(Math.log(d / t) * 50) + 200;
                        logRatio[j][c][Math.max(0, Math.min(399, bin))]++;
                    }
                }
            }
            if (fused != null && frameN > 0) {
                asIs += frameTotal / frameN;
                for (int c = 0; c < count.length; c++) {
                    ifExact[c] += (frameTotal - frameSum[c]) / frameN;
                }
                frames++;
            }
        }

        /** Model-size rows searched, up and down the column, for the nearest LiDAR / stereo vote (sparse truth). */
        private static final int VOTE_REACH = 6;

        /**
         * The "were it ground" oracle for one frame: each model-size pixel gets a vote from the scored pixels that fall
         * in it (for: true depth within 10 % of the flat ground's at the row; against: not); then, class by class,
         * the class's pixels whose nearest vote in their column (within {@value #VOTE_REACH} rows) is for are called
         * {@code groundId}, the fusion runs again on that class map — so what stands on them takes its contact from
         * the ground's true edge — and the frame's fused AbsRel is taken.
         */
        void addGroundOracle(DepthScenes.Camera cam, GroundPlaneDepth plane, float[] network, byte[] ids,
                             float[] truth, int w, int h, int mw, int mh, float cap, byte groundId, Mat modelSize) {
            int[] votes = new int[mw * mh];
            for (int y = 0; y < h; y++) {
                double ground = groundDepth(cam, y);
                for (int x = 0; x < w; x++) {
                    float t = truth[y * w + x];
                    if (t > 0 && t <= cap) {
                        votes[modelPixel(x, y, w, h, mw, mh)] += onGround(t, ground) ? 1 : -1;
                    }
                }
            }
            byte[] relabelled = new byte[ids.length];
            float[] fused = new float[network.length];
            for (int c = 0; c < count.length; c++) {
                System.arraycopy(ids, 0, relabelled, 0, ids.length);
                for (int i = 0; i < ids.length; i++) {
                    if ((ids[i] & 0xff) == c && nearestVote(votes, i, mw, mh) > 0) {
                        relabelled[i] = groundId;
                    }
                }
                System.arraycopy(network, 0, fused, 0, network.length);
                plane.apply(java.nio.ByteBuffer.wrap(relabelled), java.nio.FloatBuffer.wrap(fused));
                ifGround[c].addFrame(upsample(modelSize, fused, w, h), truth, w * h);
            }
        }

        private static int nearestVote(int[] votes, int i, int mw, int mh) {
            int v = i / mw;
            for (int d = 0; d <= VOTE_REACH; d++) {
                if (v - d >= 0 && votes[i - d * mw] != 0) {
                    return votes[i - d * mw];
                }
                if (v + d < mh && votes[i + d * mw] != 0) {
                    return votes[i + d * mw];
                }
            }
            return 0;
        }

        private static String oracle(double sum, int frames) {
            return frames == 0 ? "-" : String.format(Locale.ROOT, "%.3f", sum / frames);
        }

        private static double clamp(float p, float cap) {
            return Float.isNaN(p) ? DepthBenchmark.MIN_DEPTH : Math.max(DepthBenchmark.MIN_DEPTH, Math.min(cap, p));
        }

        private double median(int[] hist, long n) {
            long below = 0;
            for (int b = 0; b < hist.length; b++) {
                below += hist[b];
                if (below * 2 > n) {
                    return Math.exp((b - 200) / 50.0);
                }
            }
            return Double.NaN;
        }

        String table() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                    "by predicted class (pixel-weighted over all frames; ratio = median prediction/truth; fus.err ="
                            + " the class's share of all fused AbsRel; on ground = true depth within 10 %% of the"
                            + " flat ground's at its row; oracles, reading the truth: the fused metric AbsRel (per-frame"
                            + " mean) if the class's depth were exact, and if its pixels lying on the flat ground were"
                            + " called ground, the fusion run again):%n"
                            + "%-12s %7s | %8s %6s %6s | %8s %6s %6s | %8s | %8s %8s | %s%n", "class", "share",
                    "net.Abs", "δ1 %", "ratio", "fus.Abs", "δ1 %", "ratio", "fus.err", "if exact", "if ground",
                    "on ground"));
            double allFused = 0;
            for (double a : absRel[1]) {
                allFused += a;
            }
            for (int c = 0; c < count.length; c++) {
                if (count[c] == 0) {
                    continue;
                }
                long n = count[c];
                b.append(String.format(Locale.ROOT, "%-12s %6.1f%% | %8.3f %6.1f %6.2f | %8.3f %6.1f %6.2f | %7.1f%% | "
                                + "%8s %8s | %s%n", names.get(c), 100.0 * n / total, absRel[0][c] / n,
                        100.0 * within[0][c] / n, median(logRatio[0][c], n), absRel[1][c] / n,
                        100.0 * within[1][c] / n, median(logRatio[1][c], n),
                        allFused > 0 ? 100 * absRel[1][c] / allFused : Double.NaN,
                        oracle(ifExact[c], frames), ifGround[c].metric().frames() == 0 ? "-"
                                : String.format(Locale.ROOT, "%.3f", ifGround[c].metric().absRel()),
                        withGround[c] == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%",
                                100.0 * onGround[c] / withGround[c])));
            }
            if (frames > 0) {
                b.append(String.format(Locale.ROOT, "fused metric AbsRel as is: %.3f over %d frames%n",
                        asIs / frames, frames));
            }
            return b.toString();
        }
    }

    /**
     * {@code --dump DIR}: one PNG per frame at the model's input size, 2x2: the class overlay and the fused depth
     * (top), the network's depth and the true depth (bottom; its points drawn where they fall, black where there is
     * none), all on the depth panel's log colour scale — to see where the depth fails.
     */
    private void dumpFrame(DepthScenes.Frame f, Opened o, float[] network, byte[] ids, float[] fused, float[] truth,
                           int w, int h) throws IOException, UserError {
        ModelInfo m = o.engine.model();
        int mw = m.inputWidth();
        int mh = m.inputHeight();
        float[] sparse = new float[mw * mh];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float t = truth[y * w + x];
                if (t > 0) {
                    int i = Math.min(mh - 1, y * mh / h) * mw + Math.min(mw - 1, x * mw / w);
                    sparse[i] = sparse[i] == 0 ? t : Math.min(sparse[i], t);
                }
            }
        }
        java.nio.file.Files.createDirectories(dump);
        AnnotationRenderer r = o.renderer();
        try (Mat canvas = new Mat(2 * mh, 2 * mw, CV_8UC3);
             Mat classes = new Mat(mh, mw, org.bytedeco.opencv.global.opencv_core.CV_8UC1);
             Mat depth = new Mat(mh, mw, CV_32FC1);
             FloatPointer depthValues = new FloatPointer(depth.data());
             Rect tl = new Rect(0, 0, mw, mh);
             Rect tr = new Rect(mw, 0, mw, mh);
             Rect bl = new Rect(0, mh, mw, mh);
             Rect br = new Rect(mw, mh, mw, mh);
             Mat topLeft = canvas.apply(tl);
             Mat topRight = canvas.apply(tr);
             Mat bottomLeft = canvas.apply(bl);
             Mat bottomRight = canvas.apply(br);
             Mat scratch = new Mat(mh, mw, CV_8UC3)) {
            classes.data().put(ids);
            depthValues.put(fused != null ? fused : network);
            r.render(o.small, classes, depth, topLeft, topRight);
            depthValues.put(network);
            r.render(o.small, classes, depth, scratch, bottomLeft);
            depthValues.put(sparse);
            r.render(o.small, classes, depth, scratch, bottomRight);
            try (org.bytedeco.javacpp.indexer.UByteIndexer px = bottomRight.createIndexer()) {
                for (int y = 0; y < mh; y++) {
                    for (int x = 0; x < mw; x++) {
                        if (sparse[y * mw + x] == 0) {
                            px.put(y, x, 0, 0);
                            px.put(y, x, 1, 0);
                            px.put(y, x, 2, 0);
                        }
                    }
                }
            }
            String file = dump.resolve(f.scene() + "-" + f.name() + ".png").toString();
            if (!org.bytedeco.opencv.global.opencv_imgcodecs.imwrite(file, canvas)) {
                throw new UserError("--dump " + dump + ": cannot write " + file);
            }
        }
    }

    private static float[] upsample(Mat modelSize, float[] values, int w, int h) {
        float[] out = new float[w * h];
        try (FloatPointer in = new FloatPointer(modelSize.data()); Mat full = new Mat(h, w, CV_32FC1);
             Size size = new Size(w, h)) {
            in.put(values);
            resize(modelSize, full, size, 0, 0, INTER_LINEAR);
            try (FloatPointer result = new FloatPointer(full.data())) {
                result.get(out);
            }
        }
        return out;
    }

    /** --classes-from: the other model must name the same classes in the same order, and run at the same size. */
    private void checkPairing(ModelInfo depthModel, ModelInfo classModel) throws UserError {
        if (!depthModel.classNames().equals(classModel.classNames())) {
            throw new UserError("--classes-from " + classesFrom + ": classes " + classModel.classNames()
                    + ", the model " + model + " has " + depthModel.classNames());
        }
        if (depthModel.inputWidth() != classModel.inputWidth()
                || depthModel.inputHeight() != classModel.inputHeight()) {
            throw new UserError("--classes-from " + classesFrom + ": runs at " + classModel.inputWidth() + "x"
                    + classModel.inputHeight() + ", the model at " + depthModel.inputWidth() + "x"
                    + depthModel.inputHeight() + "; give --input-size WxH");
        }
    }

    private Opened open(Path file, EngineOptions options) throws Exception {
        InferenceEngine e = InferenceEngines.open(engine, file, options, System.err::println);
        try {
            ModelInfo m = e.model();
            TensorBinding b = e.allocate();
            return new Opened(e, b, new Preprocessor(m), new Mat(m.inputHeight(), m.inputWidth(), CV_8UC3),
                    new Mat(m.inputHeight(), m.inputWidth(), CV_32FC1));
        } catch (Exception ex) {
            e.close();
            throw ex;
        }
    }

    private String table(Map<String, DepthBenchmark> scenes, DepthBenchmark all, int frames, List<String> sizes) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "eval %s on %s: %d frames in %d scenes, input %s, depth capped at %.0f m,"
                        + " %s%n", model, root, frames, scenes.size(), String.join("/", sizes), cap,
                focalScale ? "focal-corrected (camera fx at the input width / model focal_px)" : "no focal scaling"));
        b.append(String.format(Locale.ROOT, "%-28s %6s | %7s %7s %7s %7s %6s %6s %6s | %7s %6s | %-12s | %7s %6s%n",
                "scene", "frames", "AbsRel", "SqRel", "RMSE", "RMSElog", "δ1 %", "δ2 %", "δ3 %", "ms.Abs", "ms.δ1",
                "scale±spread", "c.AbsRel", "c.δ1"));
        for (Map.Entry<String, DepthBenchmark> e : scenes.entrySet()) {
            row(b, e.getKey(), e.getValue());
        }
        row(b, "ALL (per-frame mean)", all);
        DepthBenchmark.Errors ms = all.medianScaled();
        DepthBenchmark.Errors c = all.constantBaseline();
        b.append(String.format(Locale.ROOT, "median-scaled: AbsRel %.3f  SqRel %.3f  RMSE %.3f  RMSElog %.3f  "
                        + "δ1 %.1f %%  δ2 %.1f %%  δ3 %.1f %%  (scale truth/prediction %.3f ± %.0f %%)%n",
                ms.absRel(), ms.sqRel(), ms.rmse(), ms.rmseLog(), 100 * ms.delta1(), 100 * ms.delta2(),
                100 * ms.delta3(), all.scaleMean(), 100 * all.scaleRelativeSpread()));
        b.append(String.format(Locale.ROOT, "constant baseline (each frame's median true depth everywhere): AbsRel "
                        + "%.3f  RMSE %.3f  δ1 %.1f %%%n", c.absRel(), c.rmse(), 100 * c.delta1()));
        return b.toString();
    }

    private static void row(StringBuilder b, String name, DepthBenchmark d) {
        DepthBenchmark.Errors e = d.metric();
        DepthBenchmark.Errors ms = d.medianScaled();
        DepthBenchmark.Errors c = d.constantBaseline();
        b.append(String.format(Locale.ROOT,
                "%-28s %6d | %7.3f %7.3f %7.3f %7.3f %6.1f %6.1f %6.1f | %7.3f %6.1f | %5.2f ± %3.0f%% | %7.3f %6.1f%n",
                name, e.frames(), e.absRel(), e.sqRel(), e.rmse(), e.rmseLog(), 100 * e.delta1(), 100 * e.delta2(),
                100 * e.delta3(), ms.absRel(), 100 * ms.delta1(), d.scaleMean(), 100 * d.scaleRelativeSpread(),
                c.absRel(), 100 * c.delta1()));
    }

    private static String json(Map<String, DepthBenchmark> scenes, DepthBenchmark all) {
        StringBuilder b = new StringBuilder("{\"all\": ").append(json(all)).append(", \"scenes\": {");
        boolean first = true;
        for (Map.Entry<String, DepthBenchmark> e : scenes.entrySet()) {
            b.append(first ? "" : ", ").append('"').append(e.getKey().replace("\"", "\\\"")).append("\": ")
                    .append(json(e.getValue()));
            first = false;
        }
        return b.append("}}").toString();
    }

    private static String json(DepthBenchmark d) {
        return String.format(Locale.ROOT, "{\"frames\": %d, \"cap_m\": %.1f, \"metric\": %s, \"median_scaled\": %s, "
                        + "\"scale_mean\": %.4f, \"scale_relative_spread\": %.4f, \"constant_baseline\": %s}",
                d.metric().frames(), d.cap(), json(d.metric()), json(d.medianScaled()), d.scaleMean(),
                d.scaleRelativeSpread(), json(d.constantBaseline()));
    }

    private static String json(DepthBenchmark.Errors e) {
        return String.format(Locale.ROOT, "{\"abs_rel\": %.4f, \"sq_rel\": %.4f, \"rmse\": %.4f, \"rmse_log\": %.4f, "
                        + "\"delta1\": %.4f, \"delta2\": %.4f, \"delta3\": %.4f}", e.absRel(), e.sqRel(), e.rmse(),
                e.rmseLog(), e.delta1(), e.delta2(), e.delta3());
    }
}
