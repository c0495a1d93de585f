package io.roadseg.fleet;

import io.roadseg.metrics.AccuracyReport;
import io.roadseg.metrics.ConfidenceScore;
import io.roadseg.metrics.DepthScore;
import io.roadseg.metrics.LeadScore;
import io.roadseg.metrics.NearestAheadScore;
import io.roadseg.metrics.SegmentationScore;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.preprocess.CameraIssueCounts;
import io.roadseg.ros.Json;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Drive results added up: per-class IoU from the summed confusion counts (ΣI/ΣU), depth errors from the summed
 * terms, latency from the merged histograms; the drives in list order; per class the drives that score it worst,
 * so a regression is found in minutes. The same whether the results came from one process, from {@code --shard}
 * files merged afterwards or from Spark executors: drives are sorted and summed in that order. Scored against a
 * reference model's output instead of the drives' truth ({@link #reference}), the same figures are the two models'
 * agreement.
 */
public final class FleetReport {
    /** A class counts for a drive's worst-of list only where the drive has at least this many true pixels of it. */
    static final long MIN_CLASS_PIXELS = 1000;
    static final int WORST = 3;

    private final String model;
    private final String reference;
    private final List<String> classNames;
    private final List<DriveResult> drives;
    private final SegmentationScore seg;
    private final DepthScore depth = new DepthScore();
    private final NearestAheadScore nearest;
    private final LeadScore lead = new LeadScore();
    private final ConfidenceScore confidence = new ConfidenceScore();
    private final CameraIssueCounts camera = new CameraIssueCounts();
    private final Histogram latency = new Histogram(1, io.roadseg.stats.LatencyStats.HIGHEST_NANOS, 3);
    private long frames;

    /** @throws IllegalArgumentException when a drive appears twice (overlapping shards) */
    public FleetReport(String model, List<String> classNames, List<DriveResult> results) {
        this(model, null, classNames, results);
    }

    /**
     * @param reference the model whose output the drives were scored against, or null for their ground truth
     * @throws IllegalArgumentException when a drive appears twice (overlapping shards)
     */
    public FleetReport(String model, String reference, List<String> classNames, List<DriveResult> results) {
        this.model = model;
        this.reference = reference;
        this.classNames = classNames;
        this.drives = new ArrayList<>(results);
        this.drives.sort(Comparator.comparing(DriveResult::drive));
        Set<String> seen = new HashSet<>();
        for (DriveResult r : drives) {
            if (!seen.add(r.drive())) {
                throw new IllegalArgumentException("drive " + r.drive() + " appears in more than one result "
                        + "(overlapping shards?)");
            }
        }
        seg = new SegmentationScore(classNames.size());
        nearest = new NearestAheadScore(Math.max(classNames.size(), 1));
        for (DriveResult r : drives) {
            if (r.scored()) { // a drive that failed part-way adds the frames it gave
                seg.addCounts(r.confusion());
                depth.addSums(r.depthSums());
                nearest.addSums(r.aheadSums());
                lead.addSums(r.leadSums());
                if (r.confidenceSums().length > 0) {
                    confidence.addSums(r.confidenceSums());
                }
                if (r.cameraSums().length > 0) {
                    camera.addSums(r.cameraSums());
                }
                latency.add(r.latency());
                frames += r.frames();
            }
        }
    }

    public SegmentationScore segmentation() {
        return seg;
    }

    public DepthScore depth() {
        return depth;
    }

    public long frames() {
        return frames;
    }

    /** The lead in the vehicle's path against the truth's, summed over the drives that have it. */
    public LeadScore lead() {
        return lead;
    }

    /** The confidence's calibration against the truth, summed over the drives that have it; null where none has. */
    public ConfidenceScore confidence() {
        return confidence.pixels() == 0 ? null : confidence;
    }

    /** The frames whose camera picture had each issue, summed over the drives that count them; null where none does. */
    public CameraIssueCounts camera() {
        return camera.measured() == 0 ? null : camera;
    }

    /** The distance to the nearest road user ahead against the truth's, summed over the drives that have it. */
    public NearestAheadScore nearestAhead() {
        return nearest;
    }

    public List<DriveResult> drives() {
        return drives;
    }

    /** @return the drives that gave no frame (their error is all their row holds) */
    public long failed() {
        return drives.stream().filter(r -> !r.scored()).count();
    }

    /** @return the drives that failed part-way: their frames are in the sums, their error in their row */
    public long partial() {
        return drives.stream().filter(DriveResult::partial).count();
    }

    /** The text report: one row per drive, the summed per-class table, the worst drives per class. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "fleet report: model %s, %d drives (%d failed%s), %d frames%n", model,
                drives.size(), failed(), partial() == 0 ? "" : ", " + partial() + " part-way: their frames counted",
                frames));
        if (reference != null) {
            b.append("scored against the output of ").append(reference).append(" on the same frames, not a truth: "
                    + "IoU is the two models' agreement class by class, depth the relative difference from it\n");
        }
        b.append(String.format(Locale.ROOT, "%-48s %8s %8s %8s %9s %6s %8s%n", "drive", "frames", "mIoU %", "AbsRel",
                "p50 ms", "conf", "camera"));
        for (DriveResult r : drives) {
            if (!r.scored()) {
                b.append(String.format(Locale.ROOT, "%-48s FAILED: %s%n", r.drive(), r.error()));
                continue;
            }
            DepthScore d = r.depth();
            ConfidenceScore c = r.confidence();
            CameraIssueCounts cam = r.camera();
            b.append(String.format(Locale.ROOT, "%-48s %8d %8.2f %8s %9.2f %6s %8s%n", r.drive(), r.frames(),
                    100 * r.segmentation(classNames.size()).meanIou(),
                    d.pixels() == 0 ? "-" : String.format(Locale.ROOT, "%.4f", d.absRel()),
                    r.latency().getValueAtPercentile(50) / 1e6,
                    c == null ? "-" : String.format(Locale.ROOT, "%.3f", c.meanConfidence()),
                    cam == null || cam.measured() == 0 ? "-" : cam.withAny() == 0 ? "ok"
                            : String.format(Locale.ROOT, "%.0f %%", 100.0 * cam.withAny() / cam.measured())));
            if (r.partial()) {
                b.append(String.format(Locale.ROOT, "%-48s   then FAILED: %s%n", "", r.error()));
            }
        }
        b.append("all drives (IoU = ΣI/ΣU, depth from summed terms):\n");
        b.append(AccuracyReport.table(classNames, seg, depth.pixels() > 0 ? depth : null,
                nearest.any() ? nearest : null, lead.any() ? lead : null, confidence(), ClassMaps.UNCERTAIN_BELOW));
        if (latency.getTotalCount() > 0) {
            b.append(String.format(Locale.ROOT, "inference latency per frame: p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                            + "(%d frames)%n", latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6, latency.getTotalCount()));
        }
        if (camera() != null) {
            // the drives to look at first: a camera that was dark, blocked or stuck explains their scores
            List<DriveResult> issues = new ArrayList<>();
            for (DriveResult r : drives) {
                if (r.scored() && r.camera() != null && r.camera().withAny() > 0) {
                    issues.add(r);
                }
            }
            issues.sort(Comparator.comparingDouble(r -> -r.camera().withAny() / (double) r.camera().measured()));
            b.append(camera.line());
            if (!issues.isEmpty()) {
                List<String> worst = new ArrayList<>();
                for (int i = 0; i < Math.min(WORST, issues.size()); i++) {
                    CameraIssueCounts c = issues.get(i).camera();
                    worst.add(String.format(Locale.ROOT, "%s %.0f %%", issues.get(i).drive(),
                            100.0 * c.withAny() / c.measured()));
                }
                b.append("; ").append(issues.size()).append(issues.size() == 1 ? " drive" : " drives")
                        .append(" with issues, most: ").append(String.join(", ", worst));
            }
            b.append('\n');
        }
        b.append("worst drives per class (IoU %, where the drive has ≥ ").append(MIN_CLASS_PIXELS)
                .append(" true pixels of it):\n");
        for (int c = 0; c < classNames.size(); c++) {
            List<String> worst = worst(c);
            if (!worst.isEmpty()) {
                b.append(String.format(Locale.ROOT, "  %-12s %s%n", classNames.get(c), String.join(", ", worst)));
            }
        }
        return b.toString();
    }

    /** The drives scoring class {@code c} worst, as "drive 12.3". */
    List<String> worst(int c) {
        List<Object[]> scored = new ArrayList<>();
        for (DriveResult r : drives) {
            if (r.scored()) {
                SegmentationScore s = r.segmentation(classNames.size());
                if (s.truthPixels(c) >= MIN_CLASS_PIXELS) {
                    scored.add(new Object[] {r.drive(), s.iou(c)});
                }
            }
        }
        scored.sort(Comparator.comparingDouble(o -> (Double) o[1]));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(WORST, scored.size()); i++) {
            out.add(String.format(Locale.ROOT, "%s %.1f", scored.get(i)[0], 100 * (Double) scored.get(i)[1]));
        }
        return out;
    }

    /** The report as JSON: model, classes, shard, every drive's row (mergeable), and the summary. */
    public String json(String shard) {
        StringBuilder b = new StringBuilder("{\"model\":").append(Json.quote(model));
        if (reference != null) {
            b.append(",\"reference\":").append(Json.quote(reference));
        }
        b.append(",\"classes\":[");
        for (int c = 0; c < classNames.size(); c++) {
            b.append(c == 0 ? "" : ",").append(Json.quote(classNames.get(c)));
        }
        b.append("],\"shard\":").append(shard == null ? "null" : Json.quote(shard)).append(",\"drives\":[\n");
        for (int i = 0; i < drives.size(); i++) {
            b.append(drives.get(i).json()).append(i + 1 < drives.size() ? ",\n" : "\n");
        }
        b.append("],\"summary\":").append(AccuracyReport.json(classNames, seg, depth.pixels() > 0 ? depth : null,
                nearest.any() ? nearest : null, lead.any() ? lead : null, confidence(), ClassMaps.UNCERTAIN_BELOW,
                Double.NaN));
        b.append(",\"frames\":").append(frames).append(",\"failed_drives\":").append(failed())
                .append(",\"partial_drives\":").append(partial());
        if (camera() != null) {
            b.append(",\"camera\":").append(camera.json());
        }
        return b.append("}\n").toString();
    }

    /**
     * Reads the drive rows and the header of a report written by {@link #json}.
     *
     * @throws IllegalArgumentException saying what is missing or wrong (a field, a negative count) in words, for a
     *                                  document that is not such a report
     */
    public static FleetReport parse(String text) {
        Object parsed = Json.parse(text);
        if (!(parsed instanceof Map)) {
            throw new IllegalArgumentException("a JSON " + (parsed instanceof List ? "array" : "value")
                    + ", not a report's object");
        }
        Map<String, Object> doc = Json.object(parsed);
        if (!(doc.get("model") instanceof String model)) {
            throw new IllegalArgumentException("no \"model\" name");
        }
        if (!(doc.get("classes") instanceof List<?> names) || !(doc.get("drives") instanceof List<?> drives)) {
            throw new IllegalArgumentException("no \"" + (doc.get("classes") instanceof List ? "drives" : "classes")
                    + "\" list");
        }
        List<String> classes = new ArrayList<>();
        for (Object o : names) {
            if (!(o instanceof String name)) {
                throw new IllegalArgumentException("a class name that is not a string: " + o);
            }
            classes.add(name);
        }
        Object reference = doc.get("reference");
        if (reference != null && !(reference instanceof String)) {
            throw new IllegalArgumentException("a \"reference\" that is not a model's name: " + reference);
        }
        List<DriveResult> rows = new ArrayList<>();
        for (Object o : drives) {
            DriveResult r = DriveResult.parse(o);
            if (r.scored() && r.confusion().length != (long) classes.size() * (classes.size() + 1)) {
                throw new IllegalArgumentException("drive " + r.drive() + ": " + r.confusion().length
                        + " confusion counts for " + classes.size() + " classes");
            }
            rows.add(r);
        }
        return new FleetReport(model, (String) reference, classes, rows);
    }

    public String model() {
        return model;
    }

    /** The model the drives were scored against, or null where they were scored against their ground truth. */
    public String reference() {
        return reference;
    }

    public List<String> classNames() {
        return classNames;
    }
}
