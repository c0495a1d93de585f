package io.roadseg.fleet;

import io.roadseg.metrics.DepthScore;
import io.roadseg.metrics.SegmentationScore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model against a baseline on the same drives ({@code --baseline}): per-class IoU of each and the difference,
 * depth errors of each, and the drives whose mean IoU fell most — where to look first when a new model regresses.
 */
public final class FleetComparison {
    static final int WORST = 5;

    private FleetComparison() {
    }

    /** @return the comparison as text; both reports must cover the same classes */
    public static String table(FleetReport model, FleetReport baseline) {
        if (!model.classNames().equals(baseline.classNames())) {
            throw new IllegalArgumentException("the baseline " + baseline.model() + " has other classes than "
                    + model.model());
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "comparison: %s against the baseline %s on %d drives%n", model.model(),
                baseline.model(), model.drives().size()));
        b.append(String.format(Locale.ROOT, "%-12s %9s %9s %8s%n", "class", "model %", "base %", "Δ"));
        SegmentationScore a = model.segmentation();
        SegmentationScore c = baseline.segmentation();
        for (int k = 0; k < model.classNames().size(); k++) {
            b.append(String.format(Locale.ROOT, "%-12s %9.2f %9.2f %+8.2f%n", model.classNames().get(k),
                    100 * a.iou(k), 100 * c.iou(k), 100 * (a.iou(k) - c.iou(k))));
        }
        b.append(String.format(Locale.ROOT, "%-12s %9.2f %9.2f %+8.2f%n", "mean IoU", 100 * a.meanIou(),
                100 * c.meanIou(), 100 * (a.meanIou() - c.meanIou())));
        DepthScore da = model.depth();
        DepthScore dc = baseline.depth();
        if (da.pixels() > 0 && dc.pixels() > 0) {
            b.append(String.format(Locale.ROOT, "%-12s %9.4f %9.4f %+8.4f%n", "depth AbsRel", da.absRel(),
                    dc.absRel(), da.absRel() - dc.absRel()));
        }
        Map<String, DriveResult> base = new HashMap<>();
        for (DriveResult r : baseline.drives()) {
            base.put(r.drive(), r);
        }
        List<Object[]> deltas = new ArrayList<>();
        for (DriveResult r : model.drives()) {
            DriveResult o = base.get(r.drive());
            // a drive that stopped part-way is compared only where both reports scored the same frames of it
            if (r.scored() && o != null && o.scored() && r.frames() == o.frames()) {
                deltas.add(new Object[] {r.drive(), meanIou(r, model) - meanIou(o, baseline)});
            }
        }
        deltas.sort(Comparator.comparingDouble(x -> (Double) x[1]));
        b.append("drives that regressed most (Δ mean IoU, points):\n");
        for (int i = 0; i < Math.min(WORST, deltas.size()); i++) {
            b.append(String.format(Locale.ROOT, "  %+7.2f  %s%n", 100 * (Double) deltas.get(i)[1], deltas.get(i)[0]));
        }
        return b.toString();
    }

    private static double meanIou(DriveResult r, FleetReport of) {
        return r.segmentation(of.classNames().size()).meanIou();
    }
}
