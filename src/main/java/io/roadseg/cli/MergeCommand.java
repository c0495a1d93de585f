package io.roadseg.cli;

import io.roadseg.fleet.DriveResult;
import io.roadseg.fleet.FleetReport;
import io.roadseg.preprocess.CameraIssueCounts;
import io.roadseg.ros.Json;
import io.roadseg.stats.StatsReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code roadseg merge SHARD.json…}: adds the reports of {@code eval --drives … --shard i/N --json} into the report
 * one process over all the drives would have written (counts summed, drives in list order).
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Adds fleet reports written by 'eval --drives … --shard i/N --json FILE' into one: per-class "
                + "IoU from the summed counts, depth from the summed terms, latency from the merged histograms, the "
                + "worst drives per class. Shard summaries of 'run --drives … --shard i/N' merge into one list."})
final class MergeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "REPORT", description = "Shard reports (JSON).")
    List<Path> reports;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the merged report as JSON ('-' = stdout).")
    String json;

    @Override
    public Integer call() throws Exception {
        OutputPaths paths = new OutputPaths();
        for (Path p : reports) {
            paths.input(null, p.toString());
        }
        paths.output("--json", json);
        String model = null;
        Path first = null;
        List<String> classes = null;
        String reference = null;
        List<DriveResult> rows = new ArrayList<>();
        if (!reports.isEmpty() && isReplaySummary(reports.get(0))) {
            return mergeReplays();
        }
        for (Path p : reports) {
            FleetReport r;
            try {
                r = FleetReport.parse(read(p));
            } catch (IllegalArgumentException e) {
                throw new UserError("report " + p + ": not a roadseg fleet report (" + e.getMessage() + ")");
            } catch (RuntimeException e) { // a field of another kind than a report's
                throw new UserError("report " + p + ": not a roadseg fleet report (its fields are not a report's)");
            }
            if (model == null) {
                model = r.model();
                classes = r.classNames();
                reference = r.reference();
                first = p;
            } else if (!model.equals(r.model())) {
                throw new UserError("report " + p + ": model " + r.model() + " differs from " + model + " of "
                        + first + "; merge reports of one model");
            } else if (!classes.equals(r.classNames())) {
                throw new UserError("report " + p + ": classes " + r.classNames() + " differ from " + classes
                        + " of " + first + "; merge reports of one model");
            } else if (!java.util.Objects.equals(reference, r.reference())) {
                throw new UserError("report " + p + " was scored against " + (r.reference() == null
                        ? "the drives' truth" : "the output of " + r.reference()) + ", the first report against "
                        + (reference == null ? "the drives' truth" : "the output of " + reference)
                        + "; merge reports scored against one reference");
            }
            rows.addAll(r.drives());
        }
        FleetReport merged;
        try {
            merged = new FleetReport(model, reference, classes, rows);
        } catch (IllegalArgumentException e) {
            throw UserError.of(e);
        }
        System.out.print(merged.table());
        if (json != null) {
            String text = merged.json(null);
            StatsReport.writeTo(json, text);
        }
        return 0;
    }

    /** A report's text, or one line saying why it cannot be read. */
    static String read(Path p) throws UserError {
        try {
            return Files.readString(p);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new UserError("report " + p + ": not a JSON report (not UTF-8 text)");
        } catch (IOException e) {
            throw new UserError("report " + p + ": cannot be read (" + Errors.reason(e) + ")");
        }
    }

    private static boolean isReplaySummary(Path p) {
        try {
            Object doc = Json.parse(Files.readString(p));
            return Json.object(doc).containsKey("drives") && !Json.object(doc).containsKey("model");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Shard summaries of {@code run --drives --shard}: one list of every drive with its status and outputs. */
    private Integer mergeReplays() throws Exception {
        java.util.TreeMap<String, java.util.Map<String, Object>> byDrive = new java.util.TreeMap<>();
        for (Path p : reports) {
            Object doc;
            String text = read(p);
            try {
                doc = Json.parse(text);
            } catch (RuntimeException e) {
                throw new UserError("report " + p + ": not a roadseg replay summary (not JSON: " + e.getMessage()
                        + ")");
            }
            if (!(doc instanceof java.util.Map) || !(Json.object(doc).get("drives") instanceof List)) {
                throw new UserError("report " + p + ": not a roadseg replay summary (no \"drives\" list)");
            }
            if (Json.object(doc).containsKey("model")) {
                throw new UserError("report " + p + ": a fleet report among replay summaries; merge one kind");
            }
            for (Object o : Json.array(Json.object(doc).get("drives"))) {
                if (!(o instanceof java.util.Map) || !(Json.object(o).get("drive") instanceof String)) {
                    throw new UserError("report " + p + ": not a roadseg replay summary (a row without its drive)");
                }
                java.util.Map<String, Object> row = Json.object(o);
                if (byDrive.put((String) row.get("drive"), row) != null) {
                    throw new UserError("drive " + row.get("drive") + " appears in more than one summary "
                            + "(overlapping shards?)");
                }
            }
        }
        StringBuilder b = new StringBuilder("{\"drives\":[\n");
        int failed = 0;
        CameraIssueCounts cameras = new CameraIssueCounts();
        for (java.util.Map<String, Object> row : byDrive.values()) {
            boolean ok = "ok".equals(row.get("status"));
            failed += ok ? 0 : 1;
            CameraIssueCounts camera = camera(row.get("camera"));
            System.out.println(row.get("drive") + "  " + (ok ? "ok  " + row.get("outputs")
                    : "FAILED: " + row.get("error")) + (camera == null ? "" : "  " + camera.line()));
            b.append(b.length() > 12 ? ",\n" : "").append("{\"drive\":").append(Json.quote((String) row.get("drive")))
                    .append(",\"outputs\":").append(Json.quote(String.valueOf(row.get("outputs"))))
                    .append(",\"status\":").append(Json.quote(String.valueOf(row.get("status"))));
            if (!ok) {
                b.append(",\"error\":").append(Json.quote(String.valueOf(row.get("error"))));
            }
            if (camera != null) {
                b.append(",\"camera\":").append(camera.json());
                cameras.addSums(camera.sums());
            }
            b.append('}');
        }
        System.out.println(byDrive.size() + " drives replayed, " + failed + " failed"
                + (cameras.measured() == 0 ? "" : "; all drives' " + cameras.line()));
        if (json != null) {
            b.append("\n],\"failed_drives\":").append(failed);
            if (cameras.measured() > 0) {
                b.append(",\"camera\":").append(cameras.json());
            }
            StatsReport.writeTo(json, b.append("}\n").toString());
        }
        return 0;
    }

    /** A replay row's {@code camera} counts ({@link CameraIssueCounts#json}), or null where it has none. */
    private static CameraIssueCounts camera(Object o) {
        return o instanceof java.util.Map<?, ?> ? CameraIssueCounts.fromJson(Json.object(o)) : null;
    }
}
