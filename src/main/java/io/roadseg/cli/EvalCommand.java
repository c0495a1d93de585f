package io.roadseg.cli;

import io.roadseg.engine.EngineOptions;
import io.roadseg.fleet.DriveEvaluator;
import io.roadseg.fleet.DriveList;
import io.roadseg.fleet.DriveResult;
import io.roadseg.fleet.FittedDriveEvaluator;
import io.roadseg.fleet.FleetReport;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import io.roadseg.metrics.AccuracyReport;
import io.roadseg.metrics.ConfidenceScore;
import io.roadseg.metrics.DepthScore;
import io.roadseg.metrics.LeadScore;
import io.roadseg.metrics.NearestAheadScore;
import io.roadseg.metrics.SegmentationScore;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.source.InstallPaths;
import io.roadseg.stats.StatsReport;
import io.roadseg.train.LabelledFolder;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * {@code roadseg eval}: the exported ONNX model through the same CPU engine and preprocessing the pipeline uses,
 * over a labelled set. CamVid is scored at its labels' own resolution (the class map resized to them
 * nearest-neighbour, as {@code run}'s overlay is), so figures at different input sizes compare; a drive at the input
 * size {@code run} gives its camera, scored there.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Per-class IoU, mean IoU, pixel accuracy (and depth AbsRel, RMSE, δ<1.25 where the data has "
                + "depth, over pixels up to the model's maximum depth) of a model over CamVid-style folders or a drive "
                + "with ground truth."},
        footer = {"", "Examples:", "  roadseg eval --camvid ../shared/data/camvid --split val",
                "  roadseg eval --drive recordings/town-drive --json out/eval.json"})
final class EvalCommand implements Callable<Integer> {
    static final class Data {
        @Option(names = "--camvid", paramLabel = "DIR", description = "CamVid root with SPLIT/ and SPLITannot/.")
        Path camvid;

        @Option(names = "--drive", paramLabel = "SOURCE",
                description = "A source with ground truth: a recording folder or a sim:// URI.")
        String drive;

        @Option(names = "--drives", paramLabel = "LIST|GLOB",
                description = {"Many drives with ground truth: a file listing one per line, or a glob such as "
                        + "'recordings/*'; a fleet report (per drive, all drives summed, worst drives per class).",
                        "With --shard i/N only every N-th drive from the i-th; 'roadseg merge' adds shard reports."})
        String drives;

        @Option(names = "--depth", paramLabel = "DIR",
                description = "Real images with depth ground truth: scene folders with camera.json, image/ and "
                        + "depth/ (16-bit PNG, metres = value/256), e.g. ../shared/data/depth.")
        Path depth;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Data data;

    @Option(names = "--split", defaultValue = "val", description = "CamVid split (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--sequence", paramLabel = "PREFIX",
            description = "Only CamVid frames whose names start with PREFIX (a sequence, e.g. 0006R0).")
    String sequence;

    @Option(names = "--input-size", paramLabel = "auto|auto:WxH|model|WxH", defaultValue = "auto",
            description = "Network input size, as for run (default: ${DEFAULT-VALUE}: each image's or drive's own "
                    + "aspect at the model's pixel count; auto:WxH at WxH's, e.g. auto:640x480).")
    String inputSize;

    @Option(names = "--flip-average", description = "Run each frame twice, as it is and mirrored left to right, "
            + "and average the class scores and the depth: offline quality at twice the inference time (models "
            + "that output logits).")
    boolean flipAverage;

    @Option(names = "--fit-temperature", description = {"--camvid: also find the softmax temperature that makes "
            + "the confidence calibrated on these frames (the one of least ECE, 0.50-3.00 in steps of 0.05) — on a "
            + "sequence the model never saw; 'export-model --from MODEL --temperature T' records it."})
    boolean fitTemperature;

    @Option(names = "--cap", defaultValue = "80", description = "--depth: largest true depth scored, metres "
            + "(default: ${DEFAULT-VALUE}, the KITTI convention).")
    float cap;

    @Option(names = "--no-focal-scale", description = "--depth: do not rescale depth by the camera's focal length "
            + "over the model's training one.")
    boolean noFocalScale;

    @Option(names = "--pitch-window", paramLabel = "DEG", defaultValue = "0",
            description = "--depth: let the ground plane's pitch move this far from the camera's, estimated per frame "
                    + "from the network's road depth (default: ${DEFAULT-VALUE}, the calibrated pitch).")
    double pitchWindow;

    @Option(names = "--by-class", description = "--depth: also break the depth errors down by predicted class.")
    boolean byClass;

    @Option(names = "--calib-check", description = {"--depth: check each scene's camera.json against the road the "
            + "true depth shows: the height and pitch of the plane fitted to the true depth of the pixels the model "
            + "calls road, beside camera.json's, and the fused figures had each frame used its fitted plane (an "
            + "oracle of the calibration, not a figure of the model)."})
    boolean calibCheck;

    @Option(names = "--classes-from", paramLabel = "MODEL",
            description = {"--depth: fuse the model's depth with the class map of this other model (same classes) "
                    + "instead of its own: splits a change in the fused figures into the part the depth makes and the "
                    + "part the classes make. The network-depth figures stay the model's own."})
    Path classesFrom;

    @Option(names = "--dump", paramLabel = "DIR", description = "--depth: write one PNG per frame to DIR: classes, "
            + "fused depth, network depth and true depth side by side.")
    Path dump;

    @Option(names = {"-m", "--model"}, defaultValue = RunCommand.DEFAULT_MODEL, description = "ONNX model.")
    Path model;

    @Option(names = "--against", paramLabel = "MODEL", description = {"--drive/--drives: score against what MODEL "
            + "(the one in service) makes of the same frames at the same input size instead of the drives' truth: "
            + "the two models' agreement, for drives without labels (a video, an MCAP file, a folder of pictures) — "
            + "where a candidate would change what the car sees."})
    Path against;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "--drive/--drives: the camera topic of MCAP drives "
            + "(default: each drive's only camera topic; a drive with several and none named fails with the list).")
    String topic;

    @Option(names = "--engine", defaultValue = "cpu", description = "Backend (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--threads", defaultValue = "2", description = "Inference threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate at most N samples (0 = all).")
    int limit;

    @Option(names = "--shard", paramLabel = "i/N",
            description = "--drives: evaluate shard i of N (0-based; drives i, i+N, … of the sorted list).")
    String shard;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON ('-' = stdout).")
    String json;

    @Override
    public Integer call() throws Exception {
        model = InstallPaths.resolve(model);
        if (threads < 1 || threads > 256) {
            throw new UsageError("--threads " + threads + ": must be in 1..256");
        }
        if (limit < 0) {
            throw new UsageError("--limit " + limit + ": must be >= 0 (0 = all)");
        }
        new OutputPaths().input("--model", model.toString())
                .input("--camvid", data.camvid == null ? null : data.camvid.toString())
                .input("--depth", data.depth == null ? null : data.depth.toString())
                .input("--drive", data.drive)
                .input("--drives", data.drives)
                .input("--against", against == null ? null : against.toString())
                .input("--classes-from", classesFrom == null ? null : classesFrom.toString())
                .output("--json", json)
                .outputFolder("--dump", dump == null ? null : dump.toString());
        int[] shardOf = null;
        if (shard != null) {
            if (data.drives == null) {
                throw new UsageError("--shard applies to --drives");
            }
            try {
                shardOf = io.roadseg.fleet.DriveList.parseShard(shard);
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
        }
        if (topic != null && data.drive == null && data.drives == null) {
            throw new UsageError("--topic applies to --drive and --drives");
        }
        if (against != null) {
            if (data.drive == null && data.drives == null) {
                throw new UsageError("--against applies to --drive and --drives");
            }
            against = InstallPaths.resolve(against);
            if (!java.nio.file.Files.isRegularFile(against)) {
                throw new UserError("--against " + against + ": no such model file");
            }
        }
        if (fitTemperature && data.camvid == null) {
            throw new UsageError("--fit-temperature applies to --camvid");
        }
        if (data.depth == null && (byClass || calibCheck || dump != null || classesFrom != null)) {
            throw new UsageError((byClass ? "--by-class" : calibCheck ? "--calib-check" : dump != null ? "--dump"
                    : "--classes-from") + " applies to --depth");
        }
        if (data.depth != null) {
            if (!(pitchWindow >= 0) || pitchWindow > 10) {
                throw new UsageError("--pitch-window " + pitchWindow + ": must be in [0, 10] degrees");
            }
            return new RealDepthEvaluation(data.depth, model, engine, engineOptions(), inputSize, cap, !noFocalScale,
                    limit, json, pitchWindow, byClass, calibCheck, dump, classesFrom).run();
        }
        if (data.drives != null) {
            return fleet(shardOf);
        }
        if (data.drive != null) {
            return drive();
        }
        EngineOptions options = InputSizeOption.apply(inputSize, engineOptions(), 480, 360);
        try (InferenceEngine inference = InferenceEngines.open(engine, model, options, System.err::println);
             TensorBinding binding = inference.allocate();
             Preprocessor pre = new Preprocessor(inference.model())) {
            ModelInfo m = inference.model();
            int w = m.inputWidth();
            int h = m.inputHeight();
            SegmentationScore seg = new SegmentationScore(m.classCount());
            DepthScore depth = new DepthScore();
            boolean logits = m.segmentation() == SegmentationOutput.LOGITS;
            if (fitTemperature && !logits) {
                throw new UserError("model " + model + ": --fit-temperature needs a model that outputs logits");
            }
            // the model's own confidence, and with --fit-temperature the grid of temperatures
            float[] temperatures = new float[fitTemperature ? FIT_STEPS + 1 : 0];
            for (int k = 0; k < temperatures.length; k++) {
                temperatures[k] = FIT_FIRST + FIT_STEP * k;
            }
            ConfidenceScore confidence = new ConfidenceScore();
            ConfidenceScore[] fitted = new ConfidenceScore[temperatures.length];
            for (int k = 0; k < fitted.length; k++) {
                fitted[k] = new ConfidenceScore();
            }
            try (Mat small = new Mat(h, w, CV_8UC3);
                 Mat predicted = new Mat(h, w, CV_8UC1);
                 Mat confidenceMap = new Mat(h, w, CV_8UC1);
                 Mat scratch0 = new Mat();
                 Mat scratch1 = new Mat()) {
                Mat[] scratch = {scratch0, scratch1};
                ByteBuffer smallView = small.data().capacity(3L * w * h).asByteBuffer();
                ByteBuffer predictedView = predicted.data().capacity((long) w * h).asByteBuffer();
                ByteBuffer confidenceView = confidenceMap.data().capacity((long) w * h).asByteBuffer();
                int n = 0;
                String scoredAt = w + "x" + h;
                // scored at the labels' own resolution (the benchmark's), whatever size the network runs at:
                // the class map is brought up or down to the labels nearest-neighbour, as the overlay of run is
                try (Mat atLabels = new Mat()) {
                    LabelledFolder folder = LabelledFolder.camvid(data.camvid, split);
                    for (int i = 0; i < folder.size() && (limit <= 0 || n < limit); i++) {
                        if (sequence != null && !folder.name(i).startsWith(sequence)) {
                            continue;
                        }
                        try (LabelledFolder.Sample s = folder.read(i)) {
                            pre.resizeToModel(s.image(), small);
                            infer(inference, pre, binding, smallView, predictedView);
                            DriveEvaluator.scoreAtLabels(seg, predicted, s.labels(), atLabels);
                            if (logits) {
                                ClassMaps.argmax(binding.logits, m.classCount(), m.inputPixels(),
                                        m.confidenceTemperature(), predictedView, confidenceView);
                                DriveEvaluator.scoreConfidenceAtLabels(confidence, predicted, confidenceMap,
                                        s.labels(), m.classCount(), scratch);
                                for (int k = 0; k < temperatures.length; k++) {
                                    ClassMaps.argmax(binding.logits, m.classCount(), m.inputPixels(), temperatures[k],
                                            predictedView, confidenceView);
                                    DriveEvaluator.scoreConfidenceAtLabels(fitted[k], predicted, confidenceMap,
                                            s.labels(), m.classCount(), scratch);
                                }
                            }
                            scoredAt = s.labels().cols() + "x" + s.labels().rows();
                        }
                        n++;
                    }
                }
                if (n == 0) {
                    throw new UserError("data " + data.camvid.resolve(split) + ": no samples"
                            + (sequence != null ? " of sequence " + sequence : ""));
                }
                report(data.camvid.resolve(split) + (sequence != null ? " (sequence " + sequence + ")" : ""), n,
                        m, scoredAt, seg, depth, null, null, logits ? confidence : null);
                if (logits) { // the reliability table under the summary line
                    System.out.printf(Locale.ROOT, "at the model's confidence temperature %.3f%s: ",
                            m.confidenceTemperature(), m.metadata().containsKey(
                                    io.roadseg.model.ModelContract.CONFIDENCE_TEMPERATURE) ? "" : " (none recorded)");
                    System.out.print(confidence.table(UNCERTAIN_THRESHOLDS));
                }
                if (fitTemperature) {
                    int best = 0;
                    for (int k = 1; k < fitted.length; k++) {
                        if (fitted[k].ece() < fitted[best].ece()) {
                            best = k;
                        }
                    }
                    System.out.printf(Locale.ROOT, "fitted: temperature %.2f (ECE %.4f; at 1: %.4f); record it with "
                            + "'roadseg export-model --from %s --temperature %.2f -o FILE'%n", temperatures[best],
                            fitted[best].ece(), fitted[Math.round((1 - FIT_FIRST) / FIT_STEP)].ece(), model,
                            temperatures[best]);
                    System.out.print(fitted[best].table(UNCERTAIN_THRESHOLDS));
                }
            }
        }
        return 0;
    }

    /** {@code --drive}: one drive at the input size {@code run} would give its camera. */
    private int drive() throws Exception {
        EngineOptions options = InputSizeOption.apply(inputSize, engineOptions(), 0, 0);
        try (FittedDriveEvaluator evaluator = new FittedDriveEvaluator(engine, model, against, options,
                sources(), System.err::println)) {
            DriveResult r = evaluator.evaluate(data.drive, limit);
            if (!r.scored()) {
                throw new UserError("data " + data.drive + ": " + r.error());
            }
            if (r.frames() == 0) {
                throw new UserError("data " + data.drive + ": no samples");
            }
            ModelInfo m = evaluator.model();
            SegmentationScore seg = new SegmentationScore(m.classCount());
            DepthScore depth = new DepthScore();
            seg.addCounts(r.confusion());
            depth.addSums(r.depthSums());
            NearestAheadScore nearest = r.nearestAhead(Math.max(m.classCount(), 1));
            LeadScore lead = r.lead();
            report(data.drive + (against == null ? "" : " against the output of " + against), (int) r.frames(), m,
                    m.inputWidth() + "x" + m.inputHeight(), seg, depth, nearest.any() ? nearest : null,
                    r.leadSums().length > 0 ? lead : null, r.confidence());
            if (r.partial()) { // the frames before it are scored above (and in --json): then the one line, exit 1
                throw new UserError("data " + data.drive + ": " + r.error() + " (the " + r.frames()
                        + " frames before it are scored above)");
            }
        }
        return 0;
    }

    private void report(String what, int n, ModelInfo m, String scoredAt, SegmentationScore seg, DepthScore depth)
            throws Exception {
        report(what, n, m, scoredAt, seg, depth, null, null);
    }

    /**
     * @param nearest the nearest road users ahead against the truth's, or null where not scored
     * @param lead    the lead in the vehicle's path against the truth's, or null where not scored
     */
    private void report(String what, int n, ModelInfo m, String scoredAt, SegmentationScore seg, DepthScore depth,
                        NearestAheadScore nearest, LeadScore lead) throws Exception {
        report(what, n, m, scoredAt, seg, depth, nearest, lead, null);
    }

    /** @param confidence the confidence's calibration at the model's temperature, or null where not scored */
    private void report(String what, int n, ModelInfo m, String scoredAt, SegmentationScore seg, DepthScore depth,
                        NearestAheadScore nearest, LeadScore lead, ConfidenceScore confidence) throws Exception {
        System.out.printf(Locale.ROOT, "eval %s on %s: %d samples, network at %dx%d, scored at %s%n", model, what, n,
                m.inputWidth(), m.inputHeight(), scoredAt);
        System.out.print(AccuracyReport.table(m.classNames(), seg, depth.pixels() > 0 ? depth : null, nearest,
                lead, confidence, ClassMaps.UNCERTAIN_BELOW));
        if (json != null) {
            String text = withSettings(AccuracyReport.json(m.classNames(), seg, depth.pixels() > 0 ? depth : null,
                    nearest, lead, confidence, ClassMaps.UNCERTAIN_BELOW, m.confidenceTemperature()), inputSize,
                    flipAverage) + "\n";
            StatsReport.writeTo(json, text);
        }
    }

    /** {@code --drives}: every drive (of this shard), each at its camera's fitted size, then the fleet report. */
    private int fleet(int[] shardOf) throws Exception {
        java.util.List<String> all;
        try {
            all = DriveList.read(data.drives);
        } catch (java.io.IOException e) {
            throw UserError.of(e);
        }
        if (all.isEmpty()) {
            throw new UserError("--drives " + data.drives + ": lists no drives");
        }
        java.util.List<String> mine = shardOf == null ? all : DriveList.shard(all, shardOf[0], shardOf[1]);
        java.util.List<DriveResult> results = new java.util.ArrayList<>();
        String modelName;
        java.util.List<String> classes;
        EngineOptions options = InputSizeOption.apply(inputSize, engineOptions(), 0, 0);
        try (FittedDriveEvaluator evaluator = new FittedDriveEvaluator(engine, model, against, options,
                sources(), System.err::println)) {
            modelName = model.getFileName().toString();
            classes = evaluator.model().classNames(); // a model that cannot be opened stops here, before any drive
            for (String d : mine) {
                DriveResult r = evaluator.evaluate(d, limit);
                System.err.println("  " + r);
                results.add(r);
            }
        }
        FleetReport report = new FleetReport(modelName, against == null ? null : against.getFileName().toString(),
                classes, results);
        System.out.print(report.table());
        if (json != null) {
            String text = report.json(shard);
            StatsReport.writeTo(json, text);
        }
        if (!results.isEmpty() && report.failed() == results.size()) {
            throw new UserError("--drives " + data.drives + ": every drive " + (shardOf == null ? "" : "of the shard ")
                    + "failed (each with its error above" + (json == null ? "" : " and in " + json) + ")");
        }
        return 0;
    }

    /** How drives are opened: {@code --topic}. */
    private io.roadseg.source.SourceOptions sources() {
        return io.roadseg.source.SourceOptions.defaults().withTopic(topic);
    }

    /** The thresholds the confidence tables show. */
    private static final double[] UNCERTAIN_THRESHOLDS = {0.5, 0.7, 0.9};
    private static final float FIT_FIRST = 0.5f;
    private static final float FIT_STEP = 0.05f;
    private static final int FIT_STEPS = 50;

    private static void infer(InferenceEngine inference, Preprocessor pre, TensorBinding b, ByteBuffer small,
                              ByteBuffer predicted) throws Exception {
        ModelInfo m = inference.model();
        pre.toTensor(small, b.input);
        inference.infer(b);
        if (m.segmentation() == SegmentationOutput.LOGITS) {
            ClassMaps.argmax(b.logits, m.classCount(), m.inputPixels(), predicted);
        } else {
            ClassMaps.narrow(b.classIds, b.classIdBytes, m.inputPixels(), m.classCount(), m.voidId(), predicted);
        }
    }

    /**
     * A report's JSON object with the settings it was measured with first ({@code "settings": {"input_size": …,
     * "flip_average": …}}), so that {@code roadseg compare} can say when two reports were not made alike.
     */
    static String withSettings(String reportJson, String inputSize, boolean flipAverage) {
        if (!reportJson.startsWith("{")) {
            throw new IllegalArgumentException("not a JSON object: " + reportJson);
        }
        return "{\"settings\": {\"input_size\": " + io.roadseg.ros.Json.quote(inputSize) + ", \"flip_average\": "
                + flipAverage + "}, " + reportJson.substring(1);
    }

    /** The engine options every evaluation opens its model with: the threads and flip averaging asked for. */
    private EngineOptions engineOptions() {
        return new EngineOptions(threads).withFlipAverage(flipAverage);
    }
}
