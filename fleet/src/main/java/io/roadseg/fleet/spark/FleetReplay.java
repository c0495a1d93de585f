package io.roadseg.fleet.spark;

import io.roadseg.cli.RoadsegCommand;
import io.roadseg.pipeline.FrameResult;
import io.roadseg.ros.Json;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * {@code roadseg-fleet replay}: every frame of many drives through {@code roadseg run}, on Apache Spark, into one
 * Parquet table a fleet's engineers query — every frame where the forward-collision warning fired, where the camera was
 * blocked, where a pedestrian stood within 15 m — with Spark SQL, DuckDB, pandas or anything else that reads Parquet.
 *
 * <pre>
 * roadseg-fleet replay --drives LIST|GLOB --model engines/roadseg.onnx --out DIR [--limit N] [--topic TOPIC]
 *     [--input-size auto:WxH|WxH] [--flip-average] [--calib FILE]
 * </pre>
 * One partition per drive. Each drive is replayed by the core's own {@code run} command in the executor's process
 * (a drive on HDFS or S3 copied to local disk first), one inference thread, with its per-frame results as JSON lines;
 * each line becomes a row, so the table holds exactly what {@code roadseg run DRIVE --results} writes for that drive,
 * calibration from the recording, lead tracking and camera checks included. A drive that fails is one row with its
 * {@code error} (the run's one line) and no frame; a drive that fails part-way — a recording cut short or with a
 * damaged chunk, which {@code run} replays as far as it reads and then ends with its one line — keeps the rows of the
 * frames it gave, beside that error row ({@code partial} in {@code drives.csv}). {@code DIR/frames.parquet} is written by the executors (one file per
 * drive); the driver then reads it back for {@code DIR/drives.csv} (per drive: frames, warnings, frames with a camera
 * issue, mean confidence, error) and prints the same table.
 *
 * <p>Columns (a frame's JSON line flattened, {@link io.roadseg.sink.FrameJson}): {@code drive}, {@code frame},
 * {@code t_us}, {@code stamp_ns}, {@code dropped_before}, {@code latency_<stage>_ms}, {@code share_<class>} for each of
 * the model's classes, {@code confidence_mean}, {@code uncertain_share}, {@code road_ahead_m},
 * {@code nearest_<road user>_m}, {@code path_curvature_per_m}, {@code camera_issues} (a list), {@code lead_class},
 * {@code lead_confidence}, {@code lead_distance_m}, {@code lead_lateral_m}, {@code lead_closing_mps},
 * {@code lead_ttc_s}, {@code error}; null where the JSON has null.
 */
final class FleetReplay {
    /** The time to contact at or under which a frame counts as a warning in the summary, as {@code run} counts them. */
    static final double WARNING_TTC_S = 3.0;

    private static final String[] STAGES = {"capture", "preprocess", "inference", "postprocess", "to_sink"};
    private static final String[] LEAD = {"confidence", "distance_m", "lateral_m", "closing_mps", "ttc_s"};
    private static final Pattern STAMP = Pattern.compile("\"stamp_ns\":(-?\\d+)");

    private FleetReplay() {
    }

    static int run(String[] args, String master) throws Exception {
        Map<String, String> o = FleetJob.options(args, Set.of("--drives", "--model", "--out", "--topic",
                "--input-size", "--calib", "--limit", "--master"), Set.of("--flip-average"));
        String drives = o.get("--drives");
        String model = o.get("--model");
        String out = o.get("--out");
        String topic = o.get("--topic");
        String inputSize = o.get("--input-size");
        String calib = o.get("--calib");
        long limit = FleetJob.limit(o.get("--limit"));
        boolean flip = o.containsKey("--flip-average");
        master = master != null ? master : o.get("--master");
        if (drives == null || model == null || out == null) {
            throw new FleetJob.UsageException("--drives, --model and --out are required");
        }
        List<String> list = FleetJob.driveList(drives);
        Path modelPath = Path.of(model);
        if (!Files.isRegularFile(modelPath)) {
            throw new IOException("--model " + model + ": no such file");
        }
        if (calib != null && !Files.isRegularFile(Path.of(calib.replaceFirst("#.*$", "")))) {
            throw new IOException("--calib " + calib + ": no such file");
        }
        FleetJob.SizeOption size = FleetJob.SizeOption.parse(inputSize);
        List<String> classes = FleetJob.checkModel(modelPath, FleetJob.engineOptions(size.size(), size.fit(), flip));
        StructType schema = schema(classes);
        String table = out.endsWith("/") ? out + "frames.parquet" : out + "/frames.parquet";
        List<Row> perDrive;
        try (JavaSparkContext sc = new JavaSparkContext(FleetJob.conf("roadseg fleet replay", master));
             SparkSession spark = SparkSession.builder().sparkContext(sc.sc()).getOrCreate()) {
            sc.addFile(modelPath.toAbsolutePath().toString());
            String calibName = null;
            String calibFragment = "";
            if (calib != null) {
                Path file = Path.of(calib.replaceFirst("#.*$", ""));
                sc.addFile(file.toAbsolutePath().toString());
                calibName = file.getFileName().toString();
                calibFragment = calib.contains("#") ? calib.substring(calib.indexOf('#')) : "";
            }
            List<String> runOptions = new ArrayList<>();
            if (topic != null) {
                runOptions.addAll(List.of("--topic", topic));
            }
            if (inputSize != null) {
                runOptions.addAll(List.of("--input-size", inputSize));
            }
            if (flip) {
                runOptions.add("--flip-average");
            }
            if (limit > 0) {
                runOptions.addAll(List.of("--frames", Long.toString(limit)));
            }
            JavaRDD<Row> rows = sc.parallelize(list, list.size()).mapPartitions(new ReplayPartition(
                    modelPath.getFileName().toString(), calibName, calibFragment, runOptions, classes));
            spark.createDataFrame(rows, schema).write().mode("overwrite").parquet(table);
            Dataset<Row> frames = spark.read().parquet(table);
            perDrive = frames.groupBy("drive").agg(
                            count(col("frame")).as("frames"),
                            sum(when(col("lead_ttc_s").leq(WARNING_TTC_S), 1).otherwise(0)).as("warning_frames"),
                            sum(when(org.apache.spark.sql.functions.size(col("camera_issues")).gt(0), 1)
                                    .otherwise(0)).as("camera_issue_frames"),
                            org.apache.spark.sql.functions.avg(col("confidence_mean")).as("mean_confidence"),
                            min(col("lead_distance_m")).as("closest_lead_m"),
                            max(col("latency_to_sink_ms")).as("max_latency_ms"),
                            first(col("error"), true).as("error"))
                    .orderBy("drive").collectAsList();
        }
        StringBuilder csv = new StringBuilder("drive,status,frames,warning_frames,camera_issue_frames,"
                + "mean_confidence,closest_lead_m,max_latency_ms,error\n");
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%-40s %7s %9s %8s %6s %9s  %s%n",
                "drive", "frames", "warnings", "camera", "conf", "lead≥ m", "error"));
        long total = 0;
        int failed = 0;
        int partial = 0;
        for (Row r : perDrive) {
            String error = r.isNullAt(r.fieldIndex("error")) ? null : r.getString(r.fieldIndex("error"));
            long frames = r.getLong(r.fieldIndex("frames"));
            failed += error != null && frames == 0 ? 1 : 0;
            partial += error != null && frames > 0 ? 1 : 0;
            total += frames;
            String confidence = decimals(r, "mean_confidence", 4);
            String lead = decimals(r, "closest_lead_m", 2);
            csv.append(FleetJob.quote(r.getString(0))).append(error == null ? ",ok," : frames > 0 ? ",partial,"
                    : ",failed,").append(frames)
                    .append(',').append(r.getLong(r.fieldIndex("warning_frames")))
                    .append(',').append(r.getLong(r.fieldIndex("camera_issue_frames")))
                    .append(',').append(confidence).append(',').append(lead)
                    .append(',').append(decimals(r, "max_latency_ms", 3))
                    .append(',').append(error == null ? "" : FleetJob.quote(error)).append('\n');
            text.append(String.format(Locale.ROOT, "%-40s %7d %9d %8d %6s %9s  %s%n", r.getString(0), frames,
                    r.getLong(r.fieldIndex("warning_frames")), r.getLong(r.fieldIndex("camera_issue_frames")),
                    confidence.isEmpty() ? "-" : confidence, lead.isEmpty() ? "-" : lead, error == null ? "" : error));
        }
        writeText(out, "drives.csv", csv.toString());
        System.out.print(text);
        System.err.println("replayed " + (perDrive.size() - failed) + " of " + perDrive.size() + " drives"
                + (partial > 0 ? " (" + partial + " part-way: cut short or damaged, the error in drives.csv)" : "")
                + ", " + total + " frames: " + table + " (one row per frame), " + (out.endsWith("/") ? out : out + "/")
                + "drives.csv");
        return 0;
    }

    /** A summary column with that many decimals, or empty where it is null (no frame gave one). */
    private static String decimals(Row r, String column, int places) {
        int i = r.fieldIndex(column);
        return r.isNullAt(i) ? "" : String.format(Locale.ROOT, "%." + places + "f", r.getDouble(i));
    }

    /** A small text file beside the table, on whatever file system the table went to. */
    private static void writeText(String dir, String name, String text) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir, name);
        FileSystem fs = path.getFileSystem(new Configuration());
        try (FSDataOutputStream o = fs.create(path, true)) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A column name from a class name: lower case, anything but letters and digits an underscore. */
    static String column(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }

    /** The model's road user classes, in {@link FrameResult#ROAD_USERS}' order. */
    private static List<String> roadUsers(List<String> classes) {
        return FrameResult.ROAD_USERS.stream().filter(classes::contains).toList();
    }

    /** The table's columns for a model with these classes. */
    static StructType schema(List<String> classes) {
        List<StructField> f = new ArrayList<>();
        f.add(DataTypes.createStructField("drive", DataTypes.StringType, false));
        f.add(DataTypes.createStructField("frame", DataTypes.LongType, true));
        f.add(DataTypes.createStructField("t_us", DataTypes.LongType, true));
        f.add(DataTypes.createStructField("stamp_ns", DataTypes.LongType, true));
        f.add(DataTypes.createStructField("dropped_before", DataTypes.LongType, true));
        for (String s : STAGES) {
            f.add(DataTypes.createStructField("latency_" + s + "_ms", DataTypes.DoubleType, true));
        }
        for (String c : classes) {
            f.add(DataTypes.createStructField("share_" + column(c), DataTypes.DoubleType, true));
        }
        f.add(DataTypes.createStructField("confidence_mean", DataTypes.DoubleType, true));
        f.add(DataTypes.createStructField("uncertain_share", DataTypes.DoubleType, true));
        f.add(DataTypes.createStructField("road_ahead_m", DataTypes.DoubleType, true));
        for (String u : roadUsers(classes)) {
            f.add(DataTypes.createStructField("nearest_" + column(u) + "_m", DataTypes.DoubleType, true));
        }
        f.add(DataTypes.createStructField("path_curvature_per_m", DataTypes.DoubleType, true));
        f.add(DataTypes.createStructField("camera_issues", DataTypes.createArrayType(DataTypes.StringType, false),
                true));
        f.add(DataTypes.createStructField("lead_class", DataTypes.StringType, true));
        for (String l : LEAD) {
            f.add(DataTypes.createStructField("lead_" + l, DataTypes.DoubleType, true));
        }
        f.add(DataTypes.createStructField("error", DataTypes.StringType, true));
        return DataTypes.createStructType(f);
    }

    /** One frame's JSON line (as {@code run --results} writes it) as a row of {@link #schema}. */
    static Row row(String drive, String line, List<String> classes) {
        Map<String, Object> j = Json.object(Json.parse(line));
        List<Object> v = new ArrayList<>();
        v.add(drive);
        v.add(asLong(j.get("frame")));
        v.add(asLong(j.get("t_us")));
        Matcher stamp = STAMP.matcher(line); // exact: a double holds nanoseconds since 1970 only to 256 ns
        v.add(stamp.find() ? Long.parseLong(stamp.group(1)) : null);
        v.add(asLong(j.get("dropped_before")));
        Map<String, Object> latency = j.get("latency_ms") == null ? Map.of() : Json.object(j.get("latency_ms"));
        for (String s : STAGES) {
            v.add(latency.get(s));
        }
        Map<String, Object> share = j.get("class_share") == null ? Map.of() : Json.object(j.get("class_share"));
        for (String c : classes) {
            v.add(share.get(c));
        }
        Map<String, Object> confidence = j.get("confidence") == null ? null : Json.object(j.get("confidence"));
        v.add(confidence == null ? null : confidence.get("mean"));
        v.add(confidence == null ? null : confidence.get("uncertain_share"));
        v.add(j.get("road_ahead_m"));
        Map<String, Object> nearest = j.get("nearest_ahead_m") == null ? Map.of()
                : Json.object(j.get("nearest_ahead_m"));
        for (String u : roadUsers(classes)) {
            v.add(nearest.get(u));
        }
        Map<String, Object> path = j.get("path") == null ? null : Json.object(j.get("path"));
        v.add(path == null ? null : path.get("curvature_per_m"));
        Map<String, Object> camera = j.get("camera") == null ? null : Json.object(j.get("camera"));
        List<String> issues = new ArrayList<>();
        if (camera != null && camera.get("issues") != null) {
            for (Object o : Json.array(camera.get("issues"))) {
                issues.add(String.valueOf(o));
            }
        }
        v.add(scala.jdk.javaapi.CollectionConverters.asScala(issues).toSeq());
        Map<String, Object> lead = j.get("lead") == null ? null : Json.object(j.get("lead"));
        v.add(lead == null ? null : lead.get("class"));
        for (String l : LEAD) {
            v.add(lead == null ? null : lead.get(l));
        }
        v.add(null);
        return RowFactory.create(v.toArray());
    }

    /** A drive that could not be replayed: its name and error, no frame. */
    static Row failed(String drive, String error, int columns) {
        Object[] v = new Object[columns];
        v[0] = drive;
        v[columns - 1] = error;
        return RowFactory.create(v);
    }

    private static Long asLong(Object o) {
        return o == null ? null : ((Number) o).longValue();
    }

    /** Executor side: each drive of the partition replayed by {@code roadseg run}, its JSON lines turned into rows. */
    static final class ReplayPartition implements FlatMapFunction<Iterator<String>, Row> {
        private final String modelName;
        /** The calibration file's name among the job's files, or null; and its {@code #fragment} (or ""). */
        private final String calibName;
        private final String calibFragment;
        private final List<String> runOptions;
        private final List<String> classes;

        ReplayPartition(String modelName, String calibName, String calibFragment, List<String> runOptions,
                        List<String> classes) {
            this.modelName = modelName;
            this.calibName = calibName;
            this.calibFragment = calibFragment;
            this.runOptions = new ArrayList<>(runOptions);
            this.classes = new ArrayList<>(classes);
        }

        @Override
        public Iterator<Row> call(Iterator<String> drives) throws Exception {
            List<Row> out = new ArrayList<>();
            if (!drives.hasNext()) {
                return out.iterator();
            }
            int columns = schema(classes).size();
            Path tmp = Files.createTempDirectory("roadseg-replay");
            try {
                HadoopDrives.forEach(drives, new Configuration(), (drive, source) -> replay(drive, source, tmp,
                        columns, out), (drive, error) -> out.add(failed(drive, error, columns)));
            } finally {
                HadoopDrives.delete(tmp);
            }
            return out.iterator();
        }

        private void replay(String drive, String source, Path tmp, int columns, List<Row> out) throws IOException {
            Path results = tmp.resolve("results.jsonl");
            Files.deleteIfExists(results);
            List<String> args = new ArrayList<>(List.of("run", source, "--model", SparkFiles.get(modelName),
                    "--results", results.toString(), "--threads", "1", "--quiet"));
            if (calibName != null) {
                args.addAll(List.of("--calib", SparkFiles.get(calibName) + calibFragment));
            }
            args.addAll(runOptions);
            StringWriter errors = new StringWriter();
            int exit;
            try (PrintWriter w = new PrintWriter(errors)) {
                exit = RoadsegCommand.execute(w, args.toArray(String[]::new));
            }
            // the frames the run gave, also where it failed part-way (a recording cut short or damaged: what it read)
            if (Files.isRegularFile(results)) {
                try (var lines = Files.lines(results)) {
                    lines.forEach(l -> out.add(row(drive, l, classes)));
                }
            }
            if (exit != 0) {
                String line = errors.toString().strip().lines().filter(l -> l.startsWith("roadseg: "))
                        .reduce((a, b) -> b).orElse("roadseg run exited " + exit).replaceFirst("^roadseg: ", "");
                out.add(failed(drive, line.replace(source, drive), columns));
            }
        }
    }
}
