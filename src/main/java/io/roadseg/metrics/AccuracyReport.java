package io.roadseg.metrics;

import java.util.List;
import java.util.Locale;

/**
 * Per-class IoU table and depth errors as text for people and JSON for programs. Stateless.
 */
public final class AccuracyReport {
    private AccuracyReport() {
    }

    public static String table(List<String> classNames, SegmentationScore seg, DepthScore depth) {
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
        return b.toString();
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
     * "mean_iou", "pixel_accuracy", "evaluated_pixels", "depth": {…}} — the pixel counts give each class's
     * predicted/true ratio, whose bound (2×) the model card's held-out figure is read against.
     */
    public static String json(List<String> classNames, SegmentationScore seg, DepthScore depth) {
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
        return b.append('}').toString();
    }
}
