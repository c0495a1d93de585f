package io.roadseg.metrics;

import java.util.List;
import java.util.Locale;

/**
 * Per-class IoU table and depth errors as text for people and JSON for programs. Stateless.
 */
public final class AccuracyReport {
    private AccuracyReport() {
    }

    /**
     * The class table and depth errors, with the nearest road users ahead and the lead in the path where those are
     * not null (each null where the source has no ground truth for it).
     */
    public static String table(List<String> classNames, SegmentationScore seg, DepthScore depth,
                               NearestAheadScore nearest, LeadScore lead) {
        return table(classNames, seg, depth, nearest, lead, null, Double.NaN);
    }

    /**
     * As above, with the confidence's calibration against the truth on a line of its own where {@code confidence} is
     * not null ({@link ConfidenceScore#summary}: the pixels under {@code uncertainBelow} counted as uncertain).
     */
    public static String table(List<String> classNames, SegmentationScore seg, DepthScore depth,
                               NearestAheadScore nearest, LeadScore lead, ConfidenceScore confidence,
                               double uncertainBelow) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-14s %8s %14s %14s %10s%n", "class", "IoU %", "truth pixels",
                "predicted", "pred/true"));
        for (int c = 0; c < seg.classes(); c++) {
            long truth = seg.truthPixels(c);
            b.append(String.format(Locale.ROOT, "%-14s %8s %14d %14d %10s%n", classNames.get(c), percent(seg.iou(c)),
                    truth, seg.predictedPixels(c), truth == 0 ? "n/a"
                            : String.format(Locale.ROOT, "%.2fx", seg.predictedPixels(c) / (double) truth)));
        }
        b.append(String.format(Locale.ROOT, "mean IoU %s %%  pixel accuracy %s %%  (%d pixels)%n",
                percent(seg.meanIou()), percent(seg.pixelAccuracy()), seg.evaluatedPixels()));
        if (depth != null && depth.pixels() > 0) {
            b.append(String.format(Locale.ROOT, "depth: AbsRel %.4f  RMSE %.3f m  δ<1.25 %s %%  (%d pixels)%n",
                    depth.absRel(), depth.rmse(), percent(depth.delta1()), depth.pixels()));
        }
        if (nearest != null) {
            b.append(String.format(Locale.ROOT, "nearest road user ahead against the truth's, per frame (the "
                    + "median depth of its lowest run in each column of the centre fifth, 10th percentile over "
                    + "them):%n%-14s %8s %8s %8s %8s %8s%n", "class", "frames", "AbsRel", "δ<1.25 %", "missed",
                    "phantom"));
            for (int c = 0; c < nearest.classes(); c++) {
                if (nearest.seen(c)) {
                    double absRel = nearest.absRel(c);
                    b.append(String.format(Locale.ROOT, "%-14s %8d %8s %8s %8d %8d%n", classNames.get(c),
                            nearest.measured(c), Double.isNaN(absRel) ? "n/a"
                                    : String.format(Locale.ROOT, "%.4f", absRel),
                            percent(nearest.delta1(c)), nearest.missed(c), nearest.phantom(c)));
                }
            }
        }
        if (lead != null && lead.any()) {
            b.append(String.format(Locale.ROOT, "lead (the nearest road user in the vehicle's path) against the "
                    + "truth's: %d frames both (%d the same class), %d missed, %d phantom; distance AbsRel %s  "
                    + "δ<1.25 %s %%; closing speed MAE %s m/s (%d frames); lateral position MAE %s m (%d frames); "
                    + "time to contact <= %.0f s: %d of %d true warnings given, %d false%n", lead.measured(),
                    lead.sameClass(), lead.missed(), lead.phantom(), fixed(lead.absRel(), 4), percent(lead.delta1()),
                    fixed(lead.closingMae(), 2), lead.rated(), fixed(lead.lateralMae(), 2), lead.lateralRated(),
                    LeadScore.WARNING_SECONDS, lead.warned(), lead.truthWarnings(), lead.falseWarnings()));
            if (lead.pathRated() > 0) {
                b.append(String.format(Locale.ROOT, "the vehicle's path against the one driven: lateral error "
                        + "%.0f m ahead %s m (a straight path: %s m), %d frames%n", LeadScore.PATH_METRES,
                        fixed(lead.pathMae(), 2), fixed(lead.straightPathMae(), 2), lead.pathRated()));
            }
        }
        if (confidence != null) {
            b.append(confidence.summary(uncertainBelow)).append(System.lineSeparator());
        }
        return b.toString();
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    private static String name(List<String> classNames, int c) {
        return '"' + classNames.get(c).replace("\"", "\\\"") + "\": ";
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.6f", v);
    }

    /**
     * A JSON object: {"iou": {class: value|null…}, "truth_pixels": {class: n…}, "predicted_pixels": {class: n…},
     * "mean_iou", "pixel_accuracy", "evaluated_pixels"} — the pixel counts give each class's predicted/true ratio,
     * whose bound (2×) the model card's held-out figure is read against; "depth": {…} where
     * {@code depth} is not null, and where {@code nearest} and {@code lead} are not null, {@code "nearest_ahead": {class: {"frames",
     * "abs_rel", "delta_1_25", "missed", "phantom"}…}} for the classes seen ahead, and {@code "lead": {"frames",
     * "same_class", "missed", "phantom", "abs_rel", "delta_1_25", "closing_frames", "closing_mae_mps", "warning_s",
     * "true_warnings", "warned", "false_warnings"}}.
     */
    public static String json(List<String> classNames, SegmentationScore seg, DepthScore depth,
                              NearestAheadScore nearest, LeadScore lead) {
        return json(classNames, seg, depth, nearest, lead, null, Double.NaN, Double.NaN);
    }

    /**
     * As above, with {@code "confidence": {"temperature", "mean", "accuracy", "ece", "uncertain_share"}} last where
     * {@code confidence} is not null ({@link ConfidenceScore#json}; the temperature left out where NaN).
     */
    public static String json(List<String> classNames, SegmentationScore seg, DepthScore depth,
                              NearestAheadScore nearest, LeadScore lead, ConfidenceScore confidence,
                              double uncertainBelow, double temperature) {
        StringBuilder b = new StringBuilder("{\"iou\": {");
        for (int c = 0; c < seg.classes(); c++) {
            b.append(c == 0 ? "" : ", ").append(name(classNames, c)).append(number(seg.iou(c)));
        }
        b.append("}, \"truth_pixels\": {");
        for (int c = 0; c < seg.classes(); c++) {
            b.append(c == 0 ? "" : ", ").append(name(classNames, c)).append(seg.truthPixels(c));
        }
        b.append("}, \"predicted_pixels\": {");
        for (int c = 0; c < seg.classes(); c++) {
            b.append(c == 0 ? "" : ", ").append(name(classNames, c)).append(seg.predictedPixels(c));
        }
        b.append("}, \"mean_iou\": ").append(number(seg.meanIou()))
                .append(", \"pixel_accuracy\": ").append(number(seg.pixelAccuracy()))
                .append(", \"evaluated_pixels\": ").append(seg.evaluatedPixels());
        if (depth != null) {
            b.append(", \"depth\": {\"abs_rel\": ").append(number(depth.absRel()))
                    .append(", \"rmse_m\": ").append(number(depth.rmse()))
                    .append(", \"delta_1_25\": ").append(number(depth.delta1()))
                    .append(", \"pixels\": ").append(depth.pixels()).append('}');
        }
        if (nearest != null) {
            b.append(", \"nearest_ahead\": {");
            boolean first = true;
            for (int c = 0; c < nearest.classes(); c++) {
                if (nearest.seen(c)) {
                    b.append(first ? "" : ", ").append(name(classNames, c)).append("{\"frames\": ")
                            .append(nearest.measured(c)).append(", \"abs_rel\": ").append(number(nearest.absRel(c)))
                            .append(", \"delta_1_25\": ").append(number(nearest.delta1(c)))
                            .append(", \"missed\": ").append(nearest.missed(c))
                            .append(", \"phantom\": ").append(nearest.phantom(c)).append('}');
                    first = false;
                }
            }
            b.append('}');
        }
        if (lead != null) {
            b.append(", \"lead\": {\"frames\": ").append(lead.measured())
                    .append(", \"same_class\": ").append(lead.sameClass())
                    .append(", \"missed\": ").append(lead.missed())
                    .append(", \"phantom\": ").append(lead.phantom())
                    .append(", \"abs_rel\": ").append(number(lead.absRel()))
                    .append(", \"delta_1_25\": ").append(number(lead.delta1()))
                    .append(", \"closing_frames\": ").append(lead.rated())
                    .append(", \"closing_mae_mps\": ").append(number(lead.closingMae()))
                    .append(", \"lateral_frames\": ").append(lead.lateralRated())
                    .append(", \"lateral_mae_m\": ").append(number(lead.lateralMae()))
                    .append(", \"warning_s\": ").append(number(LeadScore.WARNING_SECONDS))
                    .append(", \"true_warnings\": ").append(lead.truthWarnings())
                    .append(", \"warned\": ").append(lead.warned())
                    .append(", \"false_warnings\": ").append(lead.falseWarnings());
            if (lead.pathRated() > 0) {
                b.append(", \"path_frames\": ").append(lead.pathRated())
                        .append(", \"path_at_m\": ").append(number(LeadScore.PATH_METRES))
                        .append(", \"path_mae_m\": ").append(number(lead.pathMae()))
                        .append(", \"straight_path_mae_m\": ").append(number(lead.straightPathMae()));
            }
            b.append('}');
        }
        if (confidence != null) {
            b.append(", \"confidence\": ").append(confidence.json(uncertainBelow, temperature));
        }
        return b.append('}').toString();
    }
}
