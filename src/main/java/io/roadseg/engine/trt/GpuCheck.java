package io.roadseg.engine.trt;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import io.roadseg.pipeline.Pipeline;
import io.roadseg.pipeline.PipelineConfig;
import io.roadseg.pipeline.PipelineMode;
import io.roadseg.pipeline.RunResult;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceInfo;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import io.roadseg.stats.Stage;
import org.HdrHistogram.Histogram;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

/**
 * The figures to know before putting the TensorRT backend in a car, measured on the GPU at hand: FP32, FP16 and INT8
 * plans of a model (and FP16 with the arg-max on the host, to measure that choice) against the CPU backend on the
 * same frames — share of pixels whose class agrees, depth difference, live mIoU where the source has ground truth —
 * and latency: inference alone (GPU time between the binding's events, and wall time of {@code infer}) at batch 1
 * and 4, and end to end (the ring paced like a camera at batch 1; preprocess + infer + class map in one thread at
 * batch 4), p50 and p99. Run by {@code scripts/gpu-check.sh}; prints Markdown tables and the verdicts against the
 * targets of issue 5.
 *
 * <p>Usage: {@code GpuCheck [--model FILE] [--source PATH] [--frames N] [--iterations N] [--calibration DIR|LIST]
 * [--cache-dir DIR] [--out FILE.md]}. Exit 0 after a run, 2 when TensorRT cannot run here, 64 on bad arguments.
 *
 * <p>Threading: a command-line program; one thread, plus the pipeline's own during the end-to-end runs.
 */
public final class GpuCheck {
    private static final long HIGHEST = 60_000_000_000L;
    private static final int WARMUP = 30;

    private Path model = Path.of("engines/roadseg.onnx");
    private String source = "recordings/town-drive";
    private int frames = 60;
    private int iterations = 300;
    private Path calibration;
    private Path cacheDir;
    private Path out;

    private GpuCheck() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /** One measured configuration. */
    private static final class Row {
        final String label;
        String plan = "";
        double agree = Double.NaN;
        double depthMean = Double.NaN;
        double depthMax = Double.NaN;
        double miou = Double.NaN;
        final Histogram[] gpu = {histogram(), histogram()};
        final Histogram[] wall = {histogram(), histogram()};
        Histogram e2e1 = histogram();
        Histogram e2e4 = histogram();
        double ringP50 = Double.NaN;

        Row(String label) {
            this.label = label;
        }
    }

    static int run(String[] args, PrintStream stdout, PrintStream err) throws Exception {
        GpuCheck c = new GpuCheck();
        String bad = c.parse(args);
        if (bad != null) {
            err.println("gpu-check: " + bad);
            return 64;
        }
        String reason = TrtNatives.unavailableReason();
        if (reason != null) {
            err.println("gpu-check: TensorRT cannot run here: " + reason);
            return 2;
        }
        return c.measure(stdout, err);
    }

    private String parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                return "option " + a + " needs a value";
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--model" -> model = Path.of(v);
                    case "--source" -> source = v;
                    case "--frames" -> frames = Integer.parseInt(v);
                    case "--iterations" -> iterations = Integer.parseInt(v);
                    case "--calibration" -> calibration = Path.of(v);
                    case "--cache-dir" -> cacheDir = Path.of(v);
                    case "--out" -> out = Path.of(v);
                    default -> {
                        return "unknown option " + a + " (known: --model --source --frames --iterations "
                                + "--calibration --cache-dir --out)";
                    }
                }
            } catch (NumberFormatException e) {
                return "option " + a + " " + v + ": expected a whole number";
            }
        }
        if (frames < 4 || iterations <= WARMUP) {
            return "--frames must be ≥ 4 and --iterations > " + WARMUP;
        }
        return null;
    }

    private int measure(PrintStream stdout, PrintStream err) throws Exception {
        TrtNatives.Device device = TrtNatives.device();
        err.println("gpu-check: " + device + ", TensorRT " + TrtNatives.tensorRtVersion() + ", model " + model
                + ", source " + source + ", " + frames + " frames compared, " + iterations + " timed runs");
        List<Row> rows = new ArrayList<>();
        try (InferenceEngine cpu = InferenceEngines.open("cpu", model, EngineOptions.defaults(), err::println)) {
            ModelInfo m = cpu.model();
            int hw = m.inputPixels();
            List<byte[]> pixels = decode(m, err);
            byte[][] cpuClasses = new byte[pixels.size()][];
            float[][] cpuDepth = new float[pixels.size()][];
            Row cpuRow = new Row("cpu (ONNX Runtime)");
            try (Preprocessor pre = new Preprocessor(m);
                 TensorBinding b = cpu.allocate()) {
                ByteBuffer small = ByteBuffer.allocateDirect(3 * hw);
                ByteBuffer classes = ByteBuffer.allocateDirect(hw);
                for (int f = 0; f < pixels.size(); f++) {
                    small.put(0, pixels.get(f));
                    pre.toTensor(small, b.input);
                    cpu.infer(b);
                    classMap(m, b, 0, classes);
                    cpuClasses[f] = new byte[hw];
                    classes.get(0, cpuClasses[f]);
                    cpuDepth[f] = new float[hw];
                    b.depth.get(0, cpuDepth[f]);
                }
                timeInference(cpu, b, cpuRow, 0);
                endToEnd1(cpu, cpuRow);
            }
            rows.add(cpuRow);
            Path calib = calibrationSet(err);
            TrtOptions base = TrtOptions.defaults().withMaxBatch(4).withCacheDir(cacheDir)
                    .withCalibration(calib == null ? Path.of("calibration") : calib);
            List<Object[]> configs = new ArrayList<>();
            configs.add(new Object[]{"tensorrt fp32", base.withPrecision(TrtPrecision.FP32)});
            configs.add(new Object[]{"tensorrt fp16", base.withPrecision(TrtPrecision.FP16)});
            configs.add(new Object[]{"tensorrt fp16, arg-max on host", base.withPrecision(TrtPrecision.FP16)
                    .withGpuArgmax(false)});
            if (calib != null) {
                configs.add(new Object[]{"tensorrt int8", base.withPrecision(TrtPrecision.INT8)});
            }
            for (Object[] cfg : configs) {
                Row row = new Row((String) cfg[0]);
                try (TensorRtEngine trt = TensorRtEngine.open(model, (TrtOptions) cfg[1], null, null, null,
                        err::println)) {
                    row.plan = trt.describe();
                    err.println("gpu-check: " + row.label + ": " + row.plan);
                    compare(trt, pixels, cpuClasses, cpuDepth, row);
                    try (TensorBinding b1 = trt.allocate();
                         TensorRtEngine.TrtBinding b4 = trt.allocate(Math.min(4, trt.maxBatch()))) {
                        fill(trt.model(), pixels, b1, 1);
                        fill(trt.model(), pixels, b4, b4.batch);
                        timeInference(trt, b1, row, 0);
                        timeInference(trt, b4, row, 1);
                        endToEnd4(trt, pixels, b4, row);
                    }
                    endToEnd1(trt, row);
                } catch (InferenceException e) {
                    err.println("gpu-check: " + row.label + ": " + e.getMessage());
                    row.plan = "failed: " + e.getMessage();
                }
                rows.add(row);
            }
        }
        String report = report(device, rows);
        stdout.print(report);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report, StandardCharsets.UTF_8);
            err.println("gpu-check: wrote " + out);
        }
        return 0;
    }

    /** The first {@link #frames} frames of the source at the model's size, BGR packed. */
    private List<byte[]> decode(ModelInfo m, PrintStream err) throws Exception {
        List<byte[]> out = new ArrayList<>();
        try (FrameSource src = FrameSources.open(source, SourceOptions.defaults().withLoop(true));
             Preprocessor pre = new Preprocessor(m)) {
            SourceInfo info = src.info();
            try (Mat frame = new Mat(info.height(), info.width(), CV_8UC3);
                 Mat small = new Mat(m.inputHeight(), m.inputWidth(), CV_8UC3)) {
                ByteBuffer view = frame.data().capacity(info.frameBytes()).asByteBuffer();
                ByteBuffer smallView = small.data().capacity(3L * m.inputPixels()).asByteBuffer();
                while (out.size() < frames) {
                    if (src.read(view) == FrameSource.END_OF_STREAM) {
                        break;
                    }
                    pre.resizeToModel(frame, small);
                    byte[] b = new byte[3 * m.inputPixels()];
                    smallView.get(0, b);
                    out.add(b);
                }
            }
        }
        if (out.size() < 4) {
            throw new InferenceException("gpu-check: source " + source + " gave only " + out.size() + " frames");
        }
        err.println("gpu-check: decoded " + out.size() + " frames from " + source);
        return out;
    }

    /**
     * The INT8 calibration set: {@code --calibration} when given, else 64 frames of the source written as PNG
     * under {@code target/gpu-check/calibration} (later frames than those compared, when the source has them).
     */
    private Path calibrationSet(PrintStream err) throws Exception {
        if (calibration != null) {
            CalibrationBatches.list(calibration);
            return calibration;
        }
        Path dir = Path.of("target/gpu-check/calibration");
        Files.createDirectories(dir);
        int written = 0;
        try (FrameSource src = FrameSources.open(source, SourceOptions.defaults().withLoop(true))) {
            SourceInfo info = src.info();
            long skip = info.frameCount() > frames + 64 ? frames : 0;
            try (Mat frame = new Mat(info.height(), info.width(), CV_8UC3)) {
                ByteBuffer view = frame.data().capacity(info.frameBytes()).asByteBuffer();
                for (long i = 0; written < 64; i++) {
                    if (src.read(view) == FrameSource.END_OF_STREAM) {
                        break;
                    }
                    if (i >= skip) {
                        imwrite(dir.resolve(String.format(Locale.ROOT, "frame-%04d.png", i)).toString(), frame);
                        written++;
                    }
                }
            }
        }
        if (written == 0) {
            err.println("gpu-check: no calibration frames; INT8 skipped");
            return null;
        }
        err.println("gpu-check: INT8 calibration on " + written + " frames of " + source + " written to " + dir);
        return dir;
    }

    private void compare(TensorRtEngine trt, List<byte[]> pixels, byte[][] cpuClasses, float[][] cpuDepth, Row row)
            throws InferenceException {
        ModelInfo m = trt.model();
        int hw = m.inputPixels();
        long agree = 0;
        double depthSum = 0;
        double depthMax = 0;
        try (Preprocessor pre = new Preprocessor(m);
             TensorBinding b = trt.allocate()) {
            ByteBuffer small = ByteBuffer.allocateDirect(3 * hw);
            ByteBuffer classes = ByteBuffer.allocateDirect(hw);
            for (int f = 0; f < pixels.size(); f++) {
                small.put(0, pixels.get(f));
                pre.toTensor(small, b.input);
                trt.infer(b);
                classMap(m, b, 0, classes);
                byte[] want = cpuClasses[f];
                float[] depth = cpuDepth[f];
                for (int i = 0; i < hw; i++) {
                    if (classes.get(i) == want[i]) {
                        agree++;
                    }
                    double d = Math.abs(b.depth.get(i) - depth[i]);
                    depthSum += d;
                    depthMax = Math.max(depthMax, d);
                }
            }
        }
        long n = (long) hw * pixels.size();
        row.agree = 100.0 * agree / n;
        row.depthMean = depthSum / n;
        row.depthMax = depthMax;
    }

    /** Writes frame after frame's tensor into a binding of {@code batch} frames. */
    private static void fill(ModelInfo m, List<byte[]> pixels, TensorBinding b, int batch) {
        int hw = m.inputPixels();
        ByteBuffer small = ByteBuffer.allocateDirect(3 * hw);
        try (Preprocessor pre = new Preprocessor(m)) {
            for (int k = 0; k < batch; k++) {
                small.put(0, pixels.get(k % pixels.size()));
                pre.toTensor(small, b.input.slice(k * 3 * hw, 3 * hw));
            }
        }
    }

    /** Class ids of frame {@code k} of the binding into {@code out}, as the pipeline's postprocess makes them. */
    private static void classMap(ModelInfo m, TensorBinding b, int k, ByteBuffer out) {
        int hw = m.inputPixels();
        if (m.segmentation() == SegmentationOutput.LOGITS) {
            FloatBuffer logits = b.logits.slice(k * m.classCount() * hw, m.classCount() * hw);
            ClassMaps.argmax(logits, m.classCount(), hw, out);
        } else {
            ByteBuffer ids = b.classIds.slice(k * hw * b.classIdBytes, hw * b.classIdBytes)
                    .order(ByteOrder.LITTLE_ENDIAN);
            ClassMaps.narrow(ids, b.classIdBytes, hw, m.classCount(), m.voidId(), out);
        }
    }

    private void timeInference(InferenceEngine e, TensorBinding b, Row row, int slot) throws InferenceException {
        for (int i = 0; i < WARMUP; i++) {
            e.infer(b);
        }
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            long engine = e.infer(b);
            row.wall[slot].recordValue(Math.max(1, System.nanoTime() - t0));
            row.gpu[slot].recordValue(Math.max(1, engine));
        }
    }

    /** Batch 1 through the ring, paced like a camera, with the source's ground truth scored live when it has one. */
    private void endToEnd1(InferenceEngine e, Row row) throws Exception {
        try (FrameSource src = FrameSources.open(source, SourceOptions.defaults().withLoop(true));
             LatencyStats stats = new LatencyStats(iterations, null, null);
             Pipeline p = new Pipeline(src, e, new ArrayList<>(), PipelineConfig.defaults(PipelineMode.PACED)
                     .withMaxFrames(iterations), stats)) {
            stats.start();
            RunResult r = p.run();
            stats.finish();
            if (r.failure() != null) {
                throw new InferenceException("gpu-check: pipeline with " + row.label + " failed: "
                        + r.failure().getMessage(), r.failure());
            }
            row.e2e1 = stats.total(Stage.END_TO_END);
            double hops = 0;
            for (Stage s : new Stage[]{Stage.HOP_PREPROCESS, Stage.HOP_INFERENCE, Stage.HOP_POSTPROCESS,
                    Stage.HOP_SINK}) {
                hops += stats.total(s).getValueAtPercentile(50) / 1e6;
            }
            row.ringP50 = hops;
            if (p.accuracy() != null) {
                row.miou = 100 * p.accuracy().meanIou();
            }
        }
    }

    /** Batch 4 in one thread: normalise 4 frames into the binding, infer, make 4 class maps. */
    private void endToEnd4(TensorRtEngine e, List<byte[]> pixels, TensorRtEngine.TrtBinding b, Row row)
            throws InferenceException {
        ModelInfo m = e.model();
        int hw = m.inputPixels();
        ByteBuffer small = ByteBuffer.allocateDirect(3 * hw);
        ByteBuffer classes = ByteBuffer.allocateDirect(hw);
        try (Preprocessor pre = new Preprocessor(m)) {
            for (int i = 0; i < WARMUP + iterations; i++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < b.batch; k++) {
                    small.put(0, pixels.get((i * b.batch + k) % pixels.size()));
                    pre.toTensor(small, b.input.slice(k * 3 * hw, 3 * hw));
                }
                e.infer(b);
                for (int k = 0; k < b.batch; k++) {
                    classMap(m, b, k, classes);
                }
                if (i >= WARMUP) {
                    row.e2e4.recordValue(Math.max(1, System.nanoTime() - t0));
                }
            }
        }
    }

    private static Histogram histogram() {
        return new Histogram(1, HIGHEST, 3);
    }

    private static String ms(Histogram h, double p) {
        return h.getTotalCount() == 0 ? "—" : String.format(Locale.ROOT, "%.3f", h.getValueAtPercentile(p) / 1e6);
    }

    private static String num(double v, String format) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, format, v);
    }

    private String report(TrtNatives.Device device, List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("## GPU check: ").append(device.name()).append(" (sm ").append(device.computeCapability())
                .append("), TensorRT ").append(TrtNatives.tensorRtVersion()).append(", CUDA runtime ")
                .append(device.runtime()).append(", driver CUDA ").append(device.driver()).append("\n\n");
        b.append("Model `").append(model).append("`, source `").append(source).append("`, ").append(frames)
                .append(" frames compared with the CPU backend, ").append(iterations).append(" timed runs after ")
                .append(WARMUP).append(" warm-up.\n\n");
        b.append("| backend | pixels same class as cpu | depth mean abs diff (m) | depth max abs diff (m) "
                + "| live mIoU (%) |\n|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            b.append("| ").append(r.label).append(" | ").append(num(r.agree, "%.3f %%")).append(" | ")
                    .append(num(r.depthMean, "%.4f")).append(" | ").append(num(r.depthMax, "%.3f")).append(" | ")
                    .append(num(r.miou, "%.2f")).append(" |\n");
        }
        b.append("\nLatency in ms (p50 / p99). Inference: GPU time between the binding's events (H2D + network + "
                + "D2H), and wall time of `infer`. End to end, batch 1: capture → last sink through the ring, paced "
                + "like a camera; batch 4: normalise 4 frames + infer + 4 class maps in one thread, per batch.\n\n");
        b.append("| backend | batch | inference GPU | inference wall | end to end | end to end per frame "
                + "| ring hand-offs p50 |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            for (int slot = 0; slot < 2; slot++) {
                int batch = slot == 0 ? 1 : 4;
                Histogram e2e = slot == 0 ? r.e2e1 : r.e2e4;
                if (r.wall[slot].getTotalCount() == 0 && e2e.getTotalCount() == 0) {
                    continue;
                }
                b.append("| ").append(r.label).append(" | ").append(batch).append(" | ")
                        .append(r.label.startsWith("cpu") ? "—" : ms(r.gpu[slot], 50) + " / " + ms(r.gpu[slot], 99))
                        .append(" | ").append(ms(r.wall[slot], 50)).append(" / ").append(ms(r.wall[slot], 99))
                        .append(" | ").append(ms(e2e, 50)).append(" / ").append(ms(e2e, 99)).append(" | ")
                        .append(e2e.getTotalCount() == 0 ? "—" : String.format(Locale.ROOT, "%.3f",
                                e2e.getValueAtPercentile(50) / 1e6 / batch)).append(" | ")
                        .append(slot == 0 ? num(r.ringP50, "%.3f") : "—").append(" |\n");
            }
        }
        b.append("\nTargets (issue 5):\n\n");
        verdict(b, rows, "tensorrt fp32", "agreement ≥ 99.9 %", r -> r.agree >= 99.9);
        verdict(b, rows, "tensorrt fp16", "agreement ≥ 99.5 %", r -> r.agree >= 99.5);
        verdict(b, rows, "tensorrt int8", "agreement ≥ 98 %", r -> r.agree >= 98);
        Row fp32 = find(rows, "tensorrt fp32");
        Row int8 = find(rows, "tensorrt int8");
        if (fp32 != null && int8 != null && !Double.isNaN(fp32.miou) && !Double.isNaN(int8.miou)) {
            b.append(String.format(Locale.ROOT, "- mIoU drop FP32 → INT8 ≤ 1 point: %.2f → %.2f: %s%n", fp32.miou,
                    int8.miou, fp32.miou - int8.miou <= 1 ? "met" : "MISSED"));
        } else {
            b.append("- mIoU drop FP32 → INT8 ≤ 1 point: not measured (no ground truth in the source, or a build "
                    + "failed)\n");
        }
        verdict(b, rows, "tensorrt fp16", "inference ≤ 1 ms per frame (GPU p50, batch 1)",
                r -> r.gpu[0].getTotalCount() > 0 && r.gpu[0].getValueAtPercentile(50) <= 1_000_000);
        verdict(b, rows, "tensorrt fp16", "ring adds ≤ 0.2 ms (sum of hand-off p50s)", r -> r.ringP50 <= 0.2);
        return b.toString();
    }

    private static Row find(List<Row> rows, String label) {
        for (Row r : rows) {
            if (r.label.equals(label)) {
                return r;
            }
        }
        return null;
    }

    private static void verdict(StringBuilder b, List<Row> rows, String label, String what,
                                java.util.function.Predicate<Row> met) {
        Row r = find(rows, label);
        b.append("- ").append(label).append(", ").append(what).append(": ")
                .append(r == null ? "not measured" : met.test(r) ? "met" : "MISSED").append('\n');
    }
}
