package io.roadseg.cli;

import io.roadseg.metrics.PairedComparison;
import io.roadseg.ros.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code roadseg compare CANDIDATE BASELINE}: two models' {@code eval --json} reports side by side, as a decision to
 * ship one needs them. Real depth ({@code eval --depth}) is compared scene by scene, with a paired bootstrap interval
 * over the scenes ({@link PairedComparison}), so that a change smaller than the scenes' own spread reads as level;
 * segmentation reports ({@code eval --camvid}, {@code eval --drive}) class by class. Either argument may be a folder
 * written by {@code scripts/evaluate-model.sh}: then every report present in both is compared.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compares two models' evaluation reports ('eval … --json FILE', or the folders "
                + "scripts/evaluate-model.sh writes): real depth scene by scene with a paired bootstrap 95 %% interval "
                + "of each difference over the scenes, segmentation class by class. Candidate minus baseline."})
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CANDIDATE", description = "The candidate's report (JSON) or folder.")
    Path candidate;

    @Parameters(index = "1", paramLabel = "BASELINE", description = "The baseline's report (JSON) or folder.")
    Path baseline;

    @Option(names = "--resamples", defaultValue = "10000",
            description = "Bootstrap draws for the depth intervals (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--seed", defaultValue = "1", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--gate", description = {"Check the depth parts of the model card's ship rule and exit "
            + GATE_FAILED + " when the candidate fails them: a real-depth report must be compared, none of its four "
            + "fused figures worse by its interval, and every synthetic drive's depth within AbsRel <= 0.08 and "
            + "δ<1.25 >= 93 %%. (The segmentation part is judged on the held-out twin's score.)"})
    boolean gate;

    /** Exit code of {@code --gate} when the candidate fails the rule (1 and 2 are errors and usage). */
    static final int GATE_FAILED = 3;
    static final double SYNTHETIC_ABS_REL_MAX = 0.08;
    static final double SYNTHETIC_DELTA1_MIN = 0.93;
    /**
     * The bound on over-prediction, read on the held-out twin: a class predicted on k times its true pixels
     * has an IoU of at most 1/k. Printed beside the classes, not gated: --gate cannot tell a held-out report from a
     * seen one.
     */
    static final double OVER_PREDICTION_BOUND = 2.0;

    private final List<String> gateFailures = new ArrayList<>();
    private boolean realDepthCompared;

    @Override
    public Integer call() throws Exception {
        if (resamples < 100 || resamples > 1_000_000) {
            throw new UsageError("--resamples " + resamples + ": must be 100 to 1000000");
        }
        boolean candidateDir = Files.isDirectory(candidate);
        boolean baselineDir = Files.isDirectory(baseline);
        if (candidateDir != baselineDir) {
            throw new UsageError("compare a report with a report, or a folder with a folder: " + candidate + " and "
                    + baseline);
        }
        if (!candidateDir) {
            System.out.print(compare(candidate, baseline));
            return gate();
        }
        TreeSet<String> a = reports(candidate);
        TreeSet<String> b = reports(baseline);
        TreeSet<String> both = new TreeSet<>(a);
        both.retainAll(b);
        if (both.isEmpty()) {
            throw new UserError("no report (*.json) is in both " + candidate + " and " + baseline);
        }
        StringBuilder out = new StringBuilder();
        for (String name : both) {
            out.append(compare(candidate.resolve(name), baseline.resolve(name))).append('\n');
        }
        a.removeAll(both);
        b.removeAll(both);
        if (!a.isEmpty() || !b.isEmpty()) {
            out.append("not compared: only in the candidate ").append(a).append(", only in the baseline ")
                    .append(b).append('\n');
        }
        System.out.print(out);
        return gate();
    }

    /** --gate: prints the verdict on the depth parts of the ship rule; @return the exit code */
    private int gate() {
        if (!gate) {
            return 0;
        }
        if (!realDepthCompared) {
            gateFailures.add("no real-depth report (eval --depth --json) with fused figures was compared");
        }
        if (gateFailures.isEmpty()) {
            System.out.println("ship rule, depth parts: passes (no fused real-depth figure worse; synthetic depth "
                    + "within bounds)");
            return 0;
        }
        System.out.println("ship rule, depth parts: fails — " + String.join("; ", gateFailures));
        return GATE_FAILED;
    }

    private static TreeSet<String> reports(Path dir) throws UserError {
        try (Stream<Path> s = Files.list(dir)) {
            TreeSet<String> names = new TreeSet<>();
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).forEach(names::add);
            return names;
        } catch (IOException e) {
            throw new UserError("folder " + dir + ": cannot be listed (" + e.getMessage() + ")");
        }
    }

    private String compare(Path a, Path b) throws UserError {
        Map<String, Object> ca = read(a);
        Map<String, Object> cb = read(b);
        Kind ka = kind(a, ca);
        Kind kb = kind(b, cb);
        if (ka != kb) {
            throw new UserError("report " + b + ": a " + kb.words + " report, " + a + " is a " + ka.words + " one");
        }
        String head = "== " + a + " against " + b + "\n" + settingsNote(a, b, ca.get("settings"), cb.get("settings"));
        return head + (ka == Kind.DEPTH ? depth(a, b, ca, cb) : segmentation(a, b, ca, cb));
    }

    /**
     * A line when the two reports were measured with other settings (eval's {@code --input-size},
     * {@code --flip-average}: written into every report since 2026-11-27): the difference is then partly the
     * settings'. Nothing when they agree or a report does not say.
     */
    private static String settingsNote(Path a, Path b, Object sa, Object sb) {
        if (!(sa instanceof Map) || !(sb instanceof Map) || sa.equals(sb)) {
            return "";
        }
        return "note: the reports were made with other settings — " + a + ": " + settings(Json.object(sa)) + "; "
                + b + ": " + settings(Json.object(sb)) + "\n";
    }

    private static String settings(Map<String, Object> s) {
        return "--input-size " + s.get("input_size") + (Boolean.TRUE.equals(s.get("flip_average"))
                ? ", --flip-average" : "");
    }

    private enum Kind {
        DEPTH("real-depth"), SEGMENTATION("segmentation");
        final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    private static Kind kind(Path p, Map<String, Object> doc) throws UserError {
        if (doc.containsKey("network") && doc.containsKey("fused")) {
            return Kind.DEPTH;
        }
        if (doc.get("iou") instanceof Map && doc.get("mean_iou") instanceof Double) {
            return Kind.SEGMENTATION;
        }
        throw new UserError("report " + p + ": not a report of 'roadseg eval --depth/--camvid/--drive --json' "
                + (doc.containsKey("drives") ? "(a fleet report of 'eval --drives': 'roadseg-fleet evaluate … "
                + "--baseline OLD.onnx' compares two models over drives)"
                : ""));
    }

    private static Map<String, Object> read(Path p) throws UserError {
        String text = MergeCommand.read(p);
        try {
            Object doc = Json.parse(text);
            if (!(doc instanceof Map)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return Json.object(doc);
        } catch (IllegalArgumentException e) {
            throw new UserError("report " + p + ": not JSON (" + e.getMessage() + ")");
        }
    }

    // ---- real depth: paired over scenes

    private static final String[][] DEPTH_FIGURES = {
            {"metric", "abs_rel", "AbsRel"}, {"metric", "delta1", "δ<1.25"}, {"metric", "rmse", "RMSE m"},
            {"median_scaled", "abs_rel", "median-scaled AbsRel"}};

    private String depth(Path a, Path b, Map<String, Object> ca, Map<String, Object> cb) throws UserError {
        StringBuilder out = new StringBuilder();
        for (Object[] r : new Object[][]{{a, ca}, {b, cb}}) {
            Object from = Json.object(r[1]).get("classes_from");
            if (from != null) { // eval --depth --classes-from: that report's fusion read another model's classes
                out.append("note: ").append(r[0]).append(" fused its depth with the classes of ").append(from)
                        .append('\n');
            }
        }
        for (String section : new String[]{"fused", "network"}) {
            Object sa = ca.get(section);
            Object sb = cb.get(section);
            if (sa == null || sb == null) {
                out.append(section).append(": not in both reports (no camera heights)\n");
                continue;
            }
            Map<String, Object> scenesA = scenes(a, section, sa);
            Map<String, Object> scenesB = scenes(b, section, sb);
            if (!scenesA.keySet().equals(scenesB.keySet())) {
                TreeSet<String> only = new TreeSet<>(scenesA.keySet());
                only.removeAll(scenesB.keySet());
                TreeSet<String> onlyB = new TreeSet<>(scenesB.keySet());
                onlyB.removeAll(scenesA.keySet());
                throw new UserError("report " + b + ": other scenes than " + a + " (only in the candidate " + only
                        + ", only in the baseline " + onlyB + "); compare reports of one data set");
            }
            List<String> names = new ArrayList<>(scenesA.keySet());
            int n = names.size();
            double[] frames = new double[n];
            for (int i = 0; i < n; i++) {
                Object x = scenesA.get(names.get(i));
                Object y = scenesB.get(names.get(i));
                double fa = number(a, names.get(i), x, "frames");
                double fb = number(b, names.get(i), y, "frames");
                double capA = number(a, names.get(i), x, "cap_m");
                double capB = number(b, names.get(i), y, "cap_m");
                if (fa != fb || capA != capB) {
                    throw new UserError("report " + b + ": scene " + names.get(i) + " has " + (long) fb
                            + " frames capped at " + capB + " m, against " + (long) fa + " at " + capA + " m in " + a);
                }
                frames[i] = fa;
            }
            out.append(String.format(Locale.ROOT, "%s depth, %d scenes, %.0f frames; candidate − baseline, 95 %% "
                            + "interval of a paired bootstrap over the scenes (%d draws, seed %d)%n",
                    section, n, sum(frames), resamples, seed));
            out.append(String.format(Locale.ROOT, "%-28s %6s | %8s %8s %8s | %7s %7s %7s%n", "scene", "frames",
                    "AbsRel", "base", "Δ", "δ1 %", "base", "Δ"));
            double[][] values = new double[2 * DEPTH_FIGURES.length][n];
            for (int i = 0; i < n; i++) {
                Map<String, Object> x = Json.object(scenesA.get(names.get(i))); // maps: checked by number() above
                Map<String, Object> y = Json.object(scenesB.get(names.get(i)));
                for (int f = 0; f < DEPTH_FIGURES.length; f++) {
                    values[2 * f][i] = figure(a, names.get(i), x, DEPTH_FIGURES[f]);
                    values[2 * f + 1][i] = figure(b, names.get(i), y, DEPTH_FIGURES[f]);
                }
                out.append(String.format(Locale.ROOT, "%-28s %6.0f | %8.4f %8.4f %+8.4f | %7.1f %7.1f %+7.1f%n",
                        names.get(i), frames[i], values[0][i], values[1][i], values[0][i] - values[1][i],
                        100 * values[2][i], 100 * values[3][i], 100 * (values[2][i] - values[3][i])));
            }
            for (int f = 0; f < DEPTH_FIGURES.length; f++) {
                boolean lowerIsBetter = !DEPTH_FIGURES[f][1].startsWith("delta");
                double scale = lowerIsBetter ? 1 : 100;
                PairedComparison c = PairedComparison.of(values[2 * f], values[2 * f + 1], frames, resamples, seed);
                String fmt = lowerIsBetter ? "%.4f" : "%.1f %%";
                String dfmt = lowerIsBetter ? "%+.4f" : "%+.1f";
                String figures = String.format(Locale.ROOT, fmt + " against " + fmt + ": " + dfmt + ", 95 %% ["
                                + dfmt + ", " + dfmt + "] → %s",
                        scale * PairedComparison.weightedMean(values[2 * f], frames),
                        scale * PairedComparison.weightedMean(values[2 * f + 1], frames), scale * c.difference(),
                        scale * c.lower(), scale * c.upper(), c.verdict(lowerIsBetter));
                out.append(String.format(Locale.ROOT, "  %-22s %s (higher on %d of %d scenes, lower on %d)%n",
                        DEPTH_FIGURES[f][2], figures, c.higher(), n, c.lowerCount()));
                if (section.equals("fused")) {
                    realDepthCompared = true;
                    if (c.verdict(lowerIsBetter).equals("worse")) {
                        gateFailures.add("fused real depth " + DEPTH_FIGURES[f][2] + " " + figures);
                    }
                }
            }
        }
        return out.toString();
    }

    private static Map<String, Object> scenes(Path p, String section, Object s) throws UserError {
        Object scenes = s instanceof Map ? Json.object(s).get("scenes") : null;
        if (!(scenes instanceof Map) || Json.object(scenes).isEmpty()) {
            throw new UserError("report " + p + ": '" + section + "' has no scenes");
        }
        return Json.object(scenes);
    }

    private static double number(Path p, String scene, Object v, String key) throws UserError {
        Object x = v instanceof Map ? Json.object(v).get(key) : null;
        if (!(x instanceof Double d)) {
            throw new UserError("report " + p + ": scene " + scene + " has no number '" + key + "'");
        }
        return d;
    }

    private static double figure(Path p, String scene, Map<String, Object> s, String[] path) throws UserError {
        Object group = s.get(path[0]);
        Object x = group instanceof Map ? Json.object(group).get(path[1]) : null;
        if (!(x instanceof Double d) || !Double.isFinite(d)) {
            throw new UserError("report " + p + ": scene " + scene + " has no number '" + path[0] + "." + path[1]
                    + "'");
        }
        return d;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }


    // ---- segmentation: class by class

    /** @return the class's IoU, NaN where the report has none (null: the class was neither true nor predicted) */
    private static double iou(Path p, String k, Object v) throws UserError {
        if (v == null) {
            return Double.NaN;
        }
        if (!(v instanceof Double d)) {
            throw new UserError("report " + p + ": class " + k + " has IoU '" + v + "', not a number");
        }
        if (!(d >= 0 && d <= 1)) {
            throw new UserError("report " + p + ": class " + k + " has IoU " + d + ", not a share from 0 to 1");
        }
        return d;
    }

    /** @return the report's per-class pixel counts, null when it has none (a report written before they were) */
    private static Map<String, Object> counts(Map<String, Object> report, String key) {
        return report.get(key) instanceof Map ? Json.object(report.get(key)) : null;
    }

    /** @return predicted over true pixels of class k; NaN when the class has no true pixel */
    private static double ratio(Path p, String k, Map<String, Object> truth, Map<String, Object> predicted)
            throws UserError {
        if (!(truth.get(k) instanceof Double t) || !(predicted.get(k) instanceof Double n)) {
            throw new UserError("report " + p + ": class " + k + " has no pixel counts beside its IoU");
        }
        if (t < 0 || n < 0) {
            throw new UserError("report " + p + ": class " + k + " has a negative pixel count");
        }
        return t == 0 ? Double.NaN : n / t;
    }

    private static String times(double ratio) {
        return Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private String segmentation(Path a, Path b, Map<String, Object> ca, Map<String, Object> cb)
            throws UserError {
        Map<String, Object> ia = Json.object(ca.get("iou"));
        Map<String, Object> ib = Json.object(cb.get("iou"));
        if (!ia.keySet().equals(ib.keySet())) {
            throw new UserError("report " + b + ": classes " + ib.keySet() + ", " + a + " has " + ia.keySet());
        }
        StringBuilder out = new StringBuilder();
        if (ca.get("evaluated_pixels") instanceof Double pa && cb.get("evaluated_pixels") instanceof Double pb
                && !pa.equals(pb)) {
            // other input sizes on the same frames are a fair comparison; other frames are not: the reader decides
            out.append(String.format(Locale.ROOT, "note: %d evaluated pixels against %d — other input sizes, or "
                    + "other data%n", pa.longValue(), pb.longValue()));
        }
        out.append(String.format(Locale.ROOT, "segmentation (one score per class over all the pixels: no interval;"
                + " the model card's seed-to-seed spread of the held-out score is about 0.5 points)%n"));
        // each class's predicted/true pixel ratio where both reports carry the counts (eval since 2026-11-28)
        Map<String, Object> ta = counts(ca, "truth_pixels");
        Map<String, Object> pa = counts(ca, "predicted_pixels");
        Map<String, Object> tb = counts(cb, "truth_pixels");
        Map<String, Object> pb = counts(cb, "predicted_pixels");
        boolean ratios = ta != null && pa != null && tb != null && pb != null;
        out.append(String.format(Locale.ROOT, "%-12s %8s %8s %8s", "class", "IoU %", "base", "Δ"));
        out.append(ratios ? String.format(Locale.ROOT, " %10s %8s%n", "pred/true", "base") : "\n");
        int better = 0;
        int worse = 0;
        int scored = 0;
        String[] largest = new String[2];
        double[] largestRatio = {-1, -1};
        for (String k : ia.keySet()) {
            double x = 100 * iou(a, k, ia.get(k));
            double y = 100 * iou(b, k, ib.get(k));
            String ratioColumns = "";
            if (ratios) {
                double ra = ratio(a, k, ta, pa);
                double rb = ratio(b, k, tb, pb);
                ratioColumns = String.format(Locale.ROOT, " %10s %8s", times(ra), times(rb));
                double[] r = {ra, rb};
                for (int i = 0; i < 2; i++) {
                    if (!Double.isNaN(r[i]) && r[i] > largestRatio[i]) {
                        largestRatio[i] = r[i];
                        largest[i] = k;
                    }
                }
            }
            if (Double.isNaN(x) || Double.isNaN(y)) { // a class neither in the truth nor predicted: no IoU
                out.append(String.format(Locale.ROOT, "%-12s %8s %8s %8s%s%n", k, fixed(x, 2), fixed(y, 2), "—", ratioColumns));
                continue;
            }
            scored++;
            better += x > y ? 1 : 0;
            worse += x < y ? 1 : 0;
            out.append(String.format(Locale.ROOT, "%-12s %8.2f %8.2f %+8.2f%s%n", k, x, y, x - y, ratioColumns));
        }
        double ma = 100 * iou(a, "mean IoU", ca.get("mean_iou"));
        double mb = 100 * iou(b, "mean IoU", cb.get("mean_iou"));
        out.append(String.format(Locale.ROOT, "%-12s %8.2f %8.2f %+8.2f   (higher on %d of %d classes, lower on %d)%n",
                "mean IoU", ma, mb, ma - mb, better, scored, worse));
        if (largest[0] != null && largest[1] != null) {
            boolean overA = largestRatio[0] > OVER_PREDICTION_BOUND;
            boolean overB = largestRatio[1] > OVER_PREDICTION_BOUND;
            String verdict = overA == overB ? (overA ? "both over it" : "both within it")
                    : overA ? "the candidate crosses it" : "the candidate comes back within it";
            out.append(String.format(Locale.ROOT, "largest predicted/true: %s %s against %s %s (the issue's bound on "
                    + "a held-out sequence: %s; %s)%n", largest[0], times(largestRatio[0]), largest[1],
                    times(largestRatio[1]), times(OVER_PREDICTION_BOUND), verdict));
        }
        if (ca.get("depth") instanceof Map && cb.get("depth") instanceof Map) {
            Map<String, Object> da = Json.object(ca.get("depth"));
            Map<String, Object> db = Json.object(cb.get("depth"));
            if (da.get("abs_rel") instanceof Double x && db.get("abs_rel") instanceof Double y
                    && da.get("delta_1_25") instanceof Double u && db.get("delta_1_25") instanceof Double v) {
                out.append(String.format(Locale.ROOT, "depth AbsRel %.4f against %.4f (%+.4f), δ<1.25 %.1f %% against"
                        + " %.1f %% (%+.1f)%n", x, y, x - y, 100 * u, 100 * v, 100 * (u - v)));
                if (x > SYNTHETIC_ABS_REL_MAX || u < SYNTHETIC_DELTA1_MIN) {
                    gateFailures.add(String.format(Locale.ROOT, "%s: depth AbsRel %.4f, δ<1.25 %.1f %% (bounds: "
                            + "<= %.2f, >= %.0f %%)", a.getFileName(), x, 100 * u, SYNTHETIC_ABS_REL_MAX,
                            100 * SYNTHETIC_DELTA1_MIN));
                }
            }
        }
        if (ca.get("nearest_ahead") instanceof Map && cb.get("nearest_ahead") instanceof Map) {
            out.append(nearestAhead(Json.object(ca.get("nearest_ahead")), Json.object(cb.get("nearest_ahead"))));
        }
        if (ca.get("lead") instanceof Map && cb.get("lead") instanceof Map) {
            out.append(lead(Json.object(ca.get("lead")), Json.object(cb.get("lead"))));
        }
        if (ca.get("confidence") instanceof Map && cb.get("confidence") instanceof Map) {
            out.append(confidence(Json.object(ca.get("confidence")), Json.object(cb.get("confidence"))));
        }
        return out.toString();
    }

    /**
     * The confidence's calibration (eval --camvid, --drive): its expected calibration error, mean and the pixels
     * right, at each model's own temperature. Lower ECE is better where neither model saw the frames.
     */
    private static String confidence(Map<String, Object> a, Map<String, Object> b) {
        double ea = figure(a, "ece");
        double eb = figure(b, "ece");
        return String.format(Locale.ROOT, "confidence: ECE %s against %s (%s), mean %s against %s for %s against %s "
                        + "of the pixels right (temperature %s against %s)%n", fixed(ea, 4), fixed(eb, 4),
                signed(ea - eb, 4), fixed(figure(a, "mean"), 3), fixed(figure(b, "mean"), 3),
                fixed(figure(a, "accuracy"), 3), fixed(figure(b, "accuracy"), 3), fixed(figure(a, "temperature"), 2),
                fixed(figure(b, "temperature"), 2));
    }

    /**
     * The lead in the vehicle's path (eval --drive): its distance, closing speed, time-to-contact warnings and lateral
     * position (— in reports written before it was scored).
     */
    private static String lead(Map<String, Object> a, Map<String, Object> b) {
        double ra = figure(a, "abs_rel");
        double rb = figure(b, "abs_rel");
        double da = 100 * figure(a, "delta_1_25");
        double db = 100 * figure(b, "delta_1_25");
        double va = figure(a, "closing_mae_mps");
        double vb = figure(b, "closing_mae_mps");
        double la = figure(a, "lateral_mae_m");
        double lb = figure(b, "lateral_mae_m");
        return String.format(Locale.ROOT, "lead in the vehicle's path (per frame; no interval): distance AbsRel %s "
                        + "against %s (%s), δ<1.25 %s %% against %s %% (%s); closing speed MAE %s against %s m/s (%s); "
                        + "warnings given %s/%s against %s/%s, false %s against %s; missed/phantom %s/%s against "
                        + "%s/%s; lateral position MAE %s against %s m (%s)%n", fixed(ra, 4), fixed(rb, 4),
                signed(ra - rb, 4), fixed(da, 1), fixed(db, 1), signed(da - db, 1), fixed(va, 2), fixed(vb, 2),
                signed(va - vb, 2), count(a, "warned"), count(a, "true_warnings"), count(b, "warned"),
                count(b, "true_warnings"), count(a, "false_warnings"), count(b, "false_warnings"), count(a, "missed"),
                count(a, "phantom"), count(b, "missed"), count(b, "phantom"), fixed(la, 2), fixed(lb, 2),
                signed(la - lb, 2));
    }

    /** The nearest road user ahead (eval --drive), class by class: AbsRel and δ<1.25 of the distance, misses. */
    private static String nearestAhead(Map<String, Object> a, Map<String, Object> b) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "nearest road user ahead (per frame; no "
                + "interval):%n%-12s %8s %8s %8s %9s %8s %8s %15s%n", "class", "AbsRel", "base", "Δ", "δ<1.25 %",
                "base", "Δ", "missed/phantom"));
        TreeSet<String> classes = new TreeSet<>(a.keySet());
        classes.addAll(b.keySet());
        for (String c : classes) {
            Map<String, Object> x = a.get(c) instanceof Map ? Json.object(a.get(c)) : Map.of();
            Map<String, Object> y = b.get(c) instanceof Map ? Json.object(b.get(c)) : Map.of();
            double ra = figure(x, "abs_rel");
            double rb = figure(y, "abs_rel");
            double da = 100 * figure(x, "delta_1_25");
            double db = 100 * figure(y, "delta_1_25");
            out.append(String.format(Locale.ROOT, "%-12s %8s %8s %8s %9s %8s %8s %15s%n", c, fixed(ra, 4),
                    fixed(rb, 4), signed(ra - rb, 4), fixed(da, 1), fixed(db, 1), signed(da - db, 1),
                    count(x, "missed") + "/" + count(x, "phantom") + " vs " + count(y, "missed") + "/"
                            + count(y, "phantom")));
        }
        return out.toString();
    }

    private static double figure(Map<String, Object> m, String key) {
        return m.get(key) instanceof Double d ? d : Double.NaN;
    }

    private static String count(Map<String, Object> m, String key) {
        return m.get(key) instanceof Double d ? Long.toString(d.longValue()) : "—";
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String signed(double v, int decimals) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%+." + decimals + "f", v);
    }
}
