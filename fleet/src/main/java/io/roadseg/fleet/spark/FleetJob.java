package io.roadseg.fleet.spark;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InputSize;
import io.roadseg.fleet.DriveEvaluator;
import io.roadseg.fleet.FittedDriveEvaluator;
import io.roadseg.fleet.DriveList;
import io.roadseg.fleet.DriveResult;
import io.roadseg.fleet.FleetReport;
import io.roadseg.ros.Json;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code roadseg-fleet evaluate}: a model over many recorded drives on Apache Spark ({@code spark-submit} to any
 * cluster, or {@code local[N]} on one machine). One partition per drive; each executor partition opens the engine
 * once per input size, evaluates its drives with the core's {@link DriveEvaluator} and returns mergeable
 * {@link DriveResult}s; the driver adds them up into the same {@link FleetReport} that {@code roadseg eval --drives}
 * and {@code roadseg merge} write, so the three agree to the last pixel count. A drive that fails is a row with its
 * reason, not a failed job; one that fails part-way (cut short, a damaged chunk) keeps the figures of the frames it
 * gave beside its reason ({@code partial} in {@code drives.csv}), counted in the sums as {@code replay} keeps them.
 *
 * <pre>
 * roadseg-fleet evaluate --drives LIST|GLOB --model engines/roadseg.onnx --out report/ [--baseline old.onnx] [--limit N]
 *     [--input-size auto:WxH|WxH] [--flip-average]
 * roadseg-fleet evaluate --drives LIST|GLOB --model candidate.onnx --against in-service.onnx --out report/
 * </pre>
 * With {@code --against} the drives need no truth: each is scored against the reference model's output on the same
 * frames ({@link io.roadseg.fleet.DriveEvaluator}), the two models' agreement.
 * Each drive runs at the input size {@code run} gives its camera (its aspect at the model's pixel count,
 * {@link FittedDriveEvaluator}); {@code --input-size auto:WxH} at WxH's pixel count instead (e.g. auto:640x480, the
 * offline setting of the model card's <i>The input size at run time</i>), {@code --input-size WxH} every drive at
 * that size (multiples of the model's stride). {@code --flip-average} runs each frame as it is and mirrored and
 * averages the outputs ({@link io.roadseg.engine.FlipAveragingEngine}: offline quality at twice the inference time).
 * The report folder gets {@code report.json} (every drive's row, mergeable, and the summary), {@code drives.csv}
 * (one row per drive) and {@code summary.txt} (the table, worst drives per class first); with {@code --baseline}
 * also {@code baseline.json} and {@code comparison.txt} ({@link io.roadseg.fleet.FleetComparison}).
 */
public final class FleetJob {
    private FleetJob() {
    }

    public static void main(String[] args) throws Exception {
        int exit;
        try {
            exit = run(args, null);
        } catch (UsageException e) {
            System.err.println("roadseg-fleet: " + e.getMessage());
            exit = 2;
        } catch (IOException | io.roadseg.engine.InferenceException | RuntimeException e) {
            // a missing or malformed drive list, a non-roadseg model, an input size the network cannot take
            System.err.println("roadseg-fleet: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            exit = 1;
        }
        System.exit(exit);
    }

    /** A bad command line (exit 2). */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Runs the command line; {@code master} overrides {@code --master} (tests).
     *
     * @return the exit code
     */
    static int run(String[] args, String master) throws Exception {
        if (args.length > 0 && args[0].equals("replay")) {
            return FleetReplay.run(args, master);
        }
        if (args.length == 0 || !args[0].equals("evaluate")) {
            throw new UsageException("usage: roadseg-fleet evaluate --drives LIST|GLOB --model FILE --out DIR "
                    + "[--baseline FILE | --against FILE] [--topic TOPIC] [--limit N] [--input-size auto:WxH|WxH] "
                    + "[--flip-average] [--master URL]; roadseg-fleet replay --drives LIST|GLOB --model FILE --out DIR "
                    + "[--topic TOPIC] [--limit N] [--input-size auto:WxH|WxH] [--flip-average] [--calib FILE] "
                    + "[--master URL]");
        }
        Map<String, String> o = options(args, Set.of("--drives", "--model", "--out", "--limit", "--baseline",
                "--against", "--topic", "--input-size", "--master"), Set.of("--flip-average"));
        String drives = o.get("--drives");
        String model = o.get("--model");
        String out = o.get("--out");
        String baseline = o.get("--baseline");
        String against = o.get("--against");
        String topic = o.get("--topic");
        long limit = limit(o.get("--limit"));
        SizeOption sizeOption = SizeOption.parse(o.get("--input-size"));
        boolean flip = o.containsKey("--flip-average");
        master = master != null ? master : o.get("--master");
        InputSize size = sizeOption.size();
        boolean fit = sizeOption.fit();
        if (drives == null || model == null || out == null) {
            throw new UsageException("--drives, --model and --out are required");
        }
        if (baseline != null && against != null) {
            throw new UsageException("--baseline and --against: give one (--against already scores the model against "
                    + "the other's output)");
        }
        List<String> list = driveList(drives);
        Path modelPath = Path.of(model);
        if (!Files.isRegularFile(modelPath)) {
            throw new IOException("--model " + model + ": no such file");
        }
        // the driver checks the model once (a non-roadseg model stops here, in one line) and learns its classes
        // (and, with --input-size, that it runs at that size: a size off the stride stops here too)
        List<String> classes = checkModel(modelPath, engineOptions(size, fit, flip));
        SparkConf conf = conf("roadseg fleet evaluate", master);
        FleetReport report;
        FleetReport base = null;
        if (baseline != null && !Files.isRegularFile(Path.of(baseline))) {
            throw new IOException("--baseline " + baseline + ": no such file");
        }
        if (against != null && !Files.isRegularFile(Path.of(against))) {
            throw new IOException("--against " + against + ": no such file");
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            report = evaluate(sc, list, modelPath, against == null ? null : Path.of(against), topic, limit, classes,
                    size, fit, flip);
            if (baseline != null) {
                base = evaluate(sc, list, Path.of(baseline), null, topic, limit, classes, size, fit, flip);
            }
        }
        Path dir = Path.of(out);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"), report.json(null));
        Files.writeString(dir.resolve("drives.csv"), csv(report));
        Files.writeString(dir.resolve("summary.txt"), report.table());
        System.out.print(report.table());
        if (base != null) {
            Files.writeString(dir.resolve("baseline.json"), base.json(null));
            String comparison = io.roadseg.fleet.FleetComparison.table(report, base);
            Files.writeString(dir.resolve("comparison.txt"), comparison);
            System.out.print(comparison);
        }
        System.err.println("wrote " + dir.resolve("report.json") + ", drives.csv, summary.txt"
                + (base != null ? ", baseline.json, comparison.txt" : ""));
        return 0;
    }

    /**
     * The options after the command word: each of {@code valued} with the value after it, each of {@code flags} mapped
     * to "true"; anything else, or a valued option at the end, is a usage error.
     */
    static Map<String, String> options(String[] args, Set<String> valued, Set<String> flags) throws UsageException {
        Map<String, String> o = new java.util.HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (flags.contains(a)) {
                o.put(a, "true");
            } else if (!valued.contains(a)) {
                throw new UsageException("unknown option " + a);
            } else if (i + 1 >= args.length) {
                throw new UsageException(a + ": needs a value");
            } else {
                o.put(a, args[++i]);
            }
        }
        return o;
    }

    /** {@code --limit}: at most this many frames of each drive, 0 (or none given) for all. */
    static long limit(String v) throws UsageException {
        if (v == null) {
            return 0;
        }
        long limit;
        try {
            limit = Long.parseLong(v);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 0) {
            throw new UsageException("--limit " + v + ": expected a whole number ≥ 0");
        }
        return limit;
    }

    /** {@code --input-size}: a size ({@code WxH}) or a pixel count each drive's aspect is fitted to ({@code auto:WxH}). */
    record SizeOption(InputSize size, boolean fit) {
        static SizeOption parse(String v) throws UsageException {
            if (v == null) {
                return new SizeOption(null, false);
            }
            boolean fit = v.startsWith("auto:");
            try {
                return new SizeOption(InputSize.parse(fit ? v.substring(5) : v, 1), fit);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--input-size " + v + ": expected auto:WIDTHxHEIGHT or WIDTHxHEIGHT, "
                        + "e.g. auto:640x480");
            }
        }
    }

    /** The drives of a list file or glob, local or on a Hadoop file system; none is an error. */
    static List<String> driveList(String drives) throws IOException {
        List<String> list = HadoopDrives.isUri(drives)
                ? HadoopDrives.read(drives, new org.apache.hadoop.conf.Configuration()) : DriveList.read(drives);
        if (list.isEmpty()) {
            throw new IOException("--drives " + drives + ": lists no drives");
        }
        return list;
    }

    /**
     * Opens the model once on the driver with the job's engine options: a file that is not a roadseg model, or an
     * input size it cannot take, stops the job here in one line before any executor starts. Returns its classes.
     */
    static List<String> checkModel(Path model, EngineOptions options) throws Exception {
        try (InferenceEngine probe = InferenceEngines.open("cpu", model, options, m -> { })) {
            return probe.model().classNames();
        }
    }

    /** The job's Spark configuration: {@code master}, else spark-submit's, else this machine's cores. */
    static SparkConf conf(String app, String master) {
        SparkConf conf = new SparkConf().setAppName(app);
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]"); // started without spark-submit: this machine's cores
        }
        if (conf.get("spark.master", "").startsWith("local")) {
            // one machine: no web UI, and nothing listening beyond this machine unless asked for
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        return conf;
    }

    /**
     * What every engine of the job opens with, on the driver and on each executor: one thread, {@code size} as the
     * input size ({@code fit} false) or as the pixel count each drive's aspect is fitted to ({@code fit} true; null:
     * the model's own), flip averaging or not.
     */
    static EngineOptions engineOptions(InputSize size, boolean fit, boolean flip) {
        EngineOptions one = new EngineOptions(1);
        return (fit ? one.withBudget(size) : one.withInputSize(size)).withFlipAverage(flip);
    }

    /** The distributed part at the model's own size. */
    static FleetReport evaluate(JavaSparkContext sc, List<String> drives, Path model, long limit,
                                List<String> classes) {
        return evaluate(sc, drives, model, null, null, limit, classes, null, false, false);
    }

    /**
     * The distributed part: one partition per drive, the engine opened once per input size in a partition.
     *
     * @param size the input size every drive runs at ({@code fit} false) or whose pixel count each drive's aspect is
     *             fitted to ({@code fit} true); null for the model's own pixel count, fitted
     * @param flip      each frame run as it is and mirrored, the outputs averaged
     * @param reference the model whose output the drives are scored against instead of their truth (null: the
     *                  truth)
     * @param topic     an MCAP drive's camera topic (null: its only one)
     */
    static FleetReport evaluate(JavaSparkContext sc, List<String> drives, Path model, Path reference, String topic,
                                long limit, List<String> classes, InputSize size, boolean fit, boolean flip) {
        sc.addFile(model.toAbsolutePath().toString());
        String name = model.getFileName().toString();
        String referenceName = null;
        if (reference != null) {
            sc.addFile(reference.toAbsolutePath().toString());
            referenceName = reference.getFileName().toString();
        }
        List<String> rows = sc.parallelize(drives, drives.size())
                .mapPartitions(new EvaluatePartition(name, referenceName, topic, limit, size, fit, flip)).collect();
        List<DriveResult> results = new ArrayList<>();
        for (String row : rows) {
            results.add(DriveResult.parse(Json.parse(row)));
        }
        return new FleetReport(name, referenceName, classes, results);
    }

    /** Executor side: open the engine once for the partition, evaluate its drives, close the engine. */
    static final class EvaluatePartition implements FlatMapFunction<Iterator<String>, String> {
        private final String modelName;
        /** The reference model's file name among the job's files, or null: scored against the drives' truth. */
        private final String referenceName;
        /** An MCAP drive's camera topic, or null for its only one. */
        private final String topic;
        private final long limit;
        /** The input size, 0 x 0 for the model's own (InputSize itself is not serializable). */
        private final int width;
        private final int height;
        /** Whether width x height is a pixel count each drive's aspect is fitted to, or the size itself. */
        private final boolean fit;
        /** Whether each frame is run as it is and mirrored and the outputs averaged. */
        private final boolean flip;

        EvaluatePartition(String modelName, String referenceName, String topic, long limit, InputSize size,
                          boolean fit, boolean flip) {
            this.modelName = modelName;
            this.referenceName = referenceName;
            this.topic = topic;
            this.limit = limit;
            this.width = size == null ? 0 : size.width();
            this.height = size == null ? 0 : size.height();
            this.fit = fit;
            this.flip = flip;
        }

        @Override
        public Iterator<String> call(Iterator<String> drives) throws Exception {
            List<String> out = new ArrayList<>();
            if (!drives.hasNext()) {
                return out.iterator();
            }
            Path model = Path.of(SparkFiles.get(modelName));
            InputSize size = width > 0 ? new InputSize(width, height) : null;
            EngineOptions options = engineOptions(size, fit, flip);
            Path reference = referenceName == null ? null : Path.of(SparkFiles.get(referenceName));
            try (FittedDriveEvaluator evaluator = new FittedDriveEvaluator("cpu", model, reference, options,
                    io.roadseg.source.SourceOptions.defaults().withTopic(topic), m -> { })) {
                // a drive on HDFS, S3, …: evaluated from a local copy, reported under its own name
                HadoopDrives.forEach(drives, new org.apache.hadoop.conf.Configuration(), (drive, source) -> {
                    DriveResult r = evaluator.evaluate(source, limit);
                    out.add(source.equals(drive) ? r.json() : r.renamed(drive, r.error() == null ? null
                            : r.error().replace(source, drive)).json());
                }, (drive, error) -> out.add(DriveResult.failed(drive, error).json()));
            }
            return out.iterator();
        }
    }

    /**
     * One row per drive: drive, status, frames, mean IoU, depth AbsRel, latency p50 (ms), the share of its frames
     * whose camera picture had an issue (empty for a row without camera counts), error (a failed row's; a partial
     * row's, beside the figures of the frames before it).
     */
    static String csv(FleetReport report) {
        StringBuilder b = new StringBuilder("drive,status,frames,mean_iou,depth_abs_rel,latency_p50_ms,"
                + "camera_issue_share,error\n");
        for (DriveResult r : report.drives()) {
            if (!r.scored()) {
                b.append(quote(r.drive())).append(",failed,0,,,,,").append(quote(r.error())).append('\n');
                continue;
            }
            io.roadseg.preprocess.CameraIssueCounts camera = r.camera();
            b.append(quote(r.drive())).append(r.partial() ? ",partial," : ",ok,").append(r.frames()).append(',')
                    .append(String.format(Locale.ROOT, "%.6f,%.6f,%.3f,",
                            r.segmentation(report.classNames().size()).meanIou(), r.depth().absRel(),
                            r.latency().getValueAtPercentile(50) / 1e6))
                    .append(camera == null || camera.measured() == 0 ? "" : String.format(Locale.ROOT, "%.4f",
                            camera.withAny() / (double) camera.measured())).append(',')
                    .append(r.partial() ? quote(r.error()) : "").append('\n');
        }
        return b.toString();
    }

    static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
