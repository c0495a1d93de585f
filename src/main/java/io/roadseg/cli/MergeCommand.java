package io.roadseg.cli;

import io.roadseg.fleet.DriveResult;
import io.roadseg.fleet.FleetReport;
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
                + "worst drives per class."})
final class MergeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "REPORT", description = "Shard reports (JSON).")
    List<Path> reports;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the merged report as JSON ('-' = stdout).")
    String json;

    @Override
    public Integer call() throws Exception {
        new OutputPaths().output("--json", json);
        String model = null;
        List<String> classes = null;
        List<DriveResult> rows = new ArrayList<>();
        for (Path p : reports) {
            FleetReport r;
            try {
                r = FleetReport.parse(Files.readString(p));
            } catch (IOException e) {
                throw new UserError("report " + p + ": cannot be read (" + e.getMessage() + ")");
            } catch (RuntimeException e) {
                throw new UserError("report " + p + ": not a roadseg fleet report (" + e.getMessage() + ")");
            }
            if (model == null) {
                model = r.model();
                classes = r.classNames();
            } else if (!model.equals(r.model()) || !classes.equals(r.classNames())) {
                throw new UserError("report " + p + ": model " + r.model() + " differs from " + model
                        + " of the first report; merge reports of one model");
            }
            rows.addAll(r.drives());
        }
        FleetReport merged;
        try {
            merged = new FleetReport(model, classes, rows);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        System.out.print(merged.table());
        if (json != null) {
            String text = merged.json(null);
            StatsReport.writeTo(json, text);
        }
        return 0;
    }
}
