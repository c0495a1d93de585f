package io.roadseg.fleet.spark;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.fleet.DriveEvaluator;
import io.roadseg.fleet.DriveList;
import io.roadseg.fleet.FleetReport;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fleet job's overhead and scaling on one machine, measured side by side in one run:
 * {@code FleetBench DRIVES_DIR MODEL [ROUNDS]} evaluates every drive folder under DRIVES_DIR (a) in one process with
 * the engine on 2 threads, as {@code roadseg eval --drives} does, (b) on Spark {@code local[1]} and (c) {@code local[2]}
 * (one engine per partition, 1 thread each, so the two executors use the two cores), rounds interleaved, and prints
 * frames per second and the ratios. Run with {@code scripts/fleet-bench.sh}.
 */
public final class FleetBench {
    private FleetBench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> drives = DriveList.read(args[0] + "/*");
        Path model = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> classes;
        try (InferenceEngine probe = InferenceEngines.open("cpu", model, new EngineOptions(1), m -> { })) {
            classes = probe.model().classNames();
        }
        double[] single = new double[rounds];
        double[] one = new double[rounds];
        double[] two = new double[rounds];
        long frames = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            List<io.roadseg.fleet.DriveResult> results = new ArrayList<>();
            try (InferenceEngine engine = InferenceEngines.open("cpu", model, new EngineOptions(2), m -> { });
                 DriveEvaluator evaluator = new DriveEvaluator(engine)) {
                for (String d : drives) {
                    results.add(evaluator.evaluate(d, 0));
                }
            }
            frames = new FleetReport(model.getFileName().toString(), classes, results).frames();
            single[r] = frames / ((System.nanoTime() - t0) / 1e9);
            one[r] = spark("local[1]", drives, model, classes, frames);
            two[r] = spark("local[2]", drives, model, classes, frames);
            System.err.printf(Locale.ROOT, "round %d: one process %.2f frames/s, local[1] %.2f, local[2] %.2f%n",
                    r + 1, single[r], one[r], two[r]);
        }
        double a = median(single);
        double b = median(one);
        double c = median(two);
        System.out.printf(Locale.ROOT, "%d drives, %d frames, medians of %d interleaved rounds (start-up of the engine "
                        + "and of Spark included):%n  one process (eval --drives): %.2f frames/s%n  Spark local[1]: "
                        + "%.2f frames/s%n  Spark local[2]: %.2f frames/s%n  local[2] / one process = %.3f; local[2] / "
                        + "local[1] = %.3f; per frame on local[2]: %.1f ms of wall time%n", drives.size(), frames,
                rounds, a, b, c, c / a, c / b, 1000 / c);
    }

    private static double spark(String master, List<String> drives, Path model, List<String> classes, long frames) {
        long t0 = System.nanoTime();
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster(master).setAppName("fleet-bench")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"))) {
            FleetReport r = FleetJob.evaluate(sc, drives, model, 0, classes);
            if (r.frames() != frames) {
                throw new IllegalStateException("Spark saw " + r.frames() + " frames, one process " + frames);
            }
        }
        return frames / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

}
