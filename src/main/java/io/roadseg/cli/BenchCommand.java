package io.roadseg.cli;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InputSize;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.TensorBinding;
import io.roadseg.mcap.McapFormat;
import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.pipeline.Pipeline;
import io.roadseg.pipeline.PipelineConfig;
import io.roadseg.pipeline.PipelineMode;
import io.roadseg.pipeline.RingHopProbe;
import io.roadseg.pipeline.SequentialLoop;
import io.roadseg.pipeline.WaitKind;
import io.roadseg.preprocess.CameraHealth;
import io.roadseg.preprocess.CameraReading;
import io.roadseg.preprocess.Preprocessor;
import io.roadseg.sink.CallbackSink;
import io.roadseg.sink.FoxgloveServerSink;
import io.roadseg.sink.McapSink;
import io.roadseg.sink.ResultMessages;
import io.roadseg.sink.StalledViewer;
import io.roadseg.sink.VideoWriter;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.InstallPaths;
import io.roadseg.source.SourceInfo;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import io.roadseg.stats.Stage;
import io.roadseg.web.LiveView;
import org.HdrHistogram.Histogram;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * {@code roadseg bench}: one run, one input, one model, four measurements side by side — (a) decode only,
 * (b) inference only, (c) the same stages in a plain sequential loop, (d) the pipeline — with their ratios, the
 * pipeline's CPU use and heap allocation per frame, and the ring's hand-off latency per wait strategy. Ratios, not
 * absolute times, are what to trust on a shared machine.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Latency and throughput profile: decode only, inference only, sequential loop, pipeline.",
                "Prints ratios measured side by side in one run, heap bytes allocated per frame in the pipeline "
                        + "threads, CPU use, and the ring's added latency per hop."})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SOURCE", defaultValue = "recordings/town-drive",
            description = "Recording to measure on (looped as needed; default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = {"-m", "--model"}, defaultValue = RunCommand.DEFAULT_MODEL, description = "ONNX model.")
    Path model;

    @Option(names = "--input-size", paramLabel = "auto|auto:WxH|model|WxH", defaultValue = "auto",
            description = "Network input size, as for run (default: ${DEFAULT-VALUE}: the source's aspect).")
    String inputSize;

    @Option(names = "--engine", defaultValue = "auto", description = "Inference backend (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--threads", defaultValue = "2", description = "CPU inference threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--frames", defaultValue = "300", description = "Frames per measurement (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--warmup", defaultValue = "30", description = "Frames before steady state (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--rounds", defaultValue = "1",
            description = "Repeat (a)–(d) this many times, interleaved; medians are reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--wait", defaultValue = "PARKING", description = "Pipeline wait strategy (default: ${DEFAULT-VALUE}).")
    WaitKind waitKind;

    @Option(names = "--hop-waits", split = ",", defaultValue = "PARKING,BLOCKING,SLEEPING,YIELDING",
            description = "Wait strategies for the isolated ring hop probe (default: ${DEFAULT-VALUE}; NONE to skip).")
    List<String> hopWaits;

    @Option(names = "--soak", paramLabel = "FRAMES", defaultValue = "0",
            description = "Also run the pipeline this many frames (looping the recording) and report resident "
                    + "memory over the run.")
    long soak;

    @Option(names = "--no-video", description = "Leave the video encoder out of (c) and (d).")
    boolean noVideo;

    @Option(names = "--mcap", description = {"Also measure MCAP, side by side in interleaved rounds: (e) replaying "
            + "JPEG frames from an MCAP file against decoding the same JPEG files from a folder (and the same frames "
            + "as H.264 in MCAP, foxglove_msgs/msg/CompressedVideo), (f) the pipeline "
            + "writing MCAP (--out x.mcap) against writing the MP4."})
    boolean mcap;

    @Option(names = "--ws", description = {"Also measure (g), in interleaved rounds: the pipeline serving Foxglove "
            + "(--serve, with the MP4) with no viewer against the same with one stalled viewer (subscribed to "
            + "everything, never reading)."})
    boolean ws;

    @Option(names = "--http", description = {"Also measure (h), in interleaved rounds: the pipeline with the live "
            + "view (run --http, with the MP4) and no viewer against the same with one stalled video viewer (connects, "
            + "never reads), and the live view's JPEG encoding time per frame."})
    boolean http;

    @Option(names = "--against", paramLabel = "MODEL", description = {"Also measure (i): inference only of --model "
            + "against MODEL at the same input size, interleaved in each of --rounds rounds, with the ratio of each "
            + "round (two models compared on a shared, noisy machine: the ratio holds where absolute times do not)."})
    Path against;

    private final List<LiveView> liveViews = new ArrayList<>();

    /** What (c) and (d) write: the annotated MP4, an MCAP file of results, or the MP4 and a Foxglove server. */
    private String sinkKind = "mp4";
    private final List<AutoCloseable> viewers = new ArrayList<>();

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        model = InstallPaths.resolve(model);
        if (warmup < 0) {
            throw new UsageError("--warmup " + warmup + ": must be >= 0");
        }
        if (frames <= warmup) {
            throw new UsageError("--frames " + frames + " must exceed --warmup " + warmup);
        }
        List<WaitKind> waits = new ArrayList<>(); // checked before anything runs
        if (!(hopWaits.size() == 1 && hopWaits.get(0).equalsIgnoreCase("NONE"))) {
            for (String w : hopWaits) {
                try {
                    waits.add(WaitKind.valueOf(w.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new UsageError("--hop-waits: unknown wait strategy '" + w + "' (known: "
                            + Arrays.toString(WaitKind.values()) + ", or NONE)");
                }
            }
        }
        if (rounds < 1) {
            throw new UsageError("--rounds must be ≥ 1");
        }
        if (threads < 1 || threads > 256) {
            throw new UsageError("--threads " + threads + ": must be in 1..256");
        }
        if (soak < 0) {
            throw new UsageError("--soak " + soak + ": must be >= 0");
        }
        SourceInfo info;
        try (FrameSource probe = openSource()) {
            info = probe.info();
        }
        Path other = against == null ? null : InstallPaths.resolve(against);
        Path scratch = Files.createTempDirectory("roadseg-bench");
        try (InferenceEngine inference = InferenceEngines.open(engine, model,
                InputSizeOption.apply(inputSize, new EngineOptions(threads), info.width(), info.height()),
                err::println);
             InferenceEngine second = other == null ? null : InferenceEngines.open(engine, other,
                     new EngineOptions(threads).withInputSize(new InputSize(
                             inference.model().inputWidth(), inference.model().inputHeight())), err::println)) {
            out.printf(Locale.ROOT, "bench: %s (%dx%d %.2f fps), %s, %d frames per measurement, %d warm-up, %d "
                            + "round(s), %d cores, wait %s%n", source, info.width(), info.height(), info.fps(),
                    inference.describe(), frames, warmup, rounds, Runtime.getRuntime().availableProcessors(),
                    waitKind);
            List<Measurement> decode = new ArrayList<>();
            List<Measurement> infer = new ArrayList<>();
            List<Measurement> sequential = new ArrayList<>();
            List<Measurement> pipeline = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                decode.add(decodeOnly());
                infer.add(inferenceOnly(inference, info));
                sequential.add(sequential(inference, info, scratch));
                pipeline.add(pipeline(inference, info, scratch, frames, false));
            }
            Measurement a = median(decode);
            Measurement b = median(infer);
            Measurement c = median(sequential);
            Measurement d = median(pipeline);
            out.println();
            out.printf(Locale.ROOT, "%-26s %10s %10s %10s %10s %10s%n", "measurement", "frames/s", "p50 ms",
                    "p90 ms", "p99 ms", "max ms");
            for (Measurement m : List.of(a, b, c, d)) {
                out.printf(Locale.ROOT, "%-26s %10.2f %10.3f %10.3f %10.3f %10.3f%n", m.name, m.fps, ms(m.latency, 50),
                        ms(m.latency, 90), ms(m.latency, 99), m.latency.getMaxValue() / 1e6);
            }
            out.println("(latency: per frame for (a)-(c); capture → last sink for (d))");
            out.println();
            out.printf(Locale.ROOT, "ratio (d)/(c) pipeline / sequential      = %.2f%n", d.fps / c.fps);
            out.printf(Locale.ROOT, "ratio (d)/min(a,b) pipeline / bottleneck = %.2f%n", d.fps / Math.min(a.fps, b.fps));
            out.printf(Locale.ROOT, "pipeline CPU use: %.0f%% of %d cores (sequential: %.0f%%)%n",
                    100 * d.coresBusy / Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().availableProcessors(),
                    100 * c.coresBusy / Runtime.getRuntime().availableProcessors());
            out.printf(Locale.ROOT, "heap allocated per frame, steady state, pipeline threads: %.0f bytes "
                    + "(sequential loop thread: %.0f bytes)%n", d.allocPerFrame, c.allocPerFrame);
            out.println("per-thread allocation in the pipeline (bytes/frame): " + d.allocDetail);
            preprocessParts(inference.model(), info);
            out.println();
            out.println("ring hand-off in the pipeline (includes waiting for a core on this machine):");
            for (Stage s : new Stage[]{Stage.HOP_PREPROCESS, Stage.HOP_INFERENCE, Stage.HOP_POSTPROCESS,
                    Stage.HOP_SINK}) {
                Histogram h = d.stats.total(s);
                out.printf(Locale.ROOT, "  %-20s p50 %8.1f µs   p99 %9.1f µs%n", s.key,
                        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3);
            }
            if (!waits.isEmpty()) {
                out.println("ring hand-off alone (4 chained handlers, 500 frames at 200/s, per hop; after a discarded "
                        + "warm-up run):");
                RingHopProbe.measure(WaitKind.PARKING, 4, 200, 5_000_000); // JIT warm-up of the probe's handlers
                for (WaitKind kind : waits) {
                    RingHopProbe.Result r = RingHopProbe.measure(kind, 4, 500, 5_000_000);
                    out.printf(Locale.ROOT, "  %-14s p50 %8.1f µs   p99 %8.1f µs   max %9.1f µs   CPU %5.1f%% of "
                                    + "a core%n", kind, r.hopNanos().getValueAtPercentile(50) / 1e3,
                            r.hopNanos().getValueAtPercentile(99) / 1e3, r.hopNanos().getMaxValue() / 1e3,
                            100 * r.coresBusy());
                }
            }
            if (mcap) {
                out.println();
                McapBench.replay(source, frames, warmup, rounds, scratch, out, err);
                List<Measurement> mp4 = new ArrayList<>();
                List<Measurement> mcapOut = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    sinkKind = "mp4";
                    mp4.add(pipeline(inference, info, scratch, frames, false));
                    sinkKind = "mcap";
                    mcapOut.add(pipeline(inference, info, scratch, frames, false));
                }
                sinkKind = "mp4";
                Measurement v = median(mp4);
                Measurement w = median(mcapOut);
                out.printf(Locale.ROOT, "(f) pipeline writing MP4 %.2f fps, writing MCAP %.2f fps (zstd chunks): "
                                + "ratio MCAP/MP4 = %.3f; end-to-end p50 %.2f ms vs %.2f ms; CPU %.0f%% vs %.0f%%%n",
                        v.fps, w.fps, w.fps / v.fps, ms(v.latency, 50), ms(w.latency, 50),
                        100 * v.coresBusy / Runtime.getRuntime().availableProcessors(),
                        100 * w.coresBusy / Runtime.getRuntime().availableProcessors());
            }
            if (ws) {
                out.println();
                List<Measurement> alone = new ArrayList<>();
                List<Measurement> stalled = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    sinkKind = "ws";
                    alone.add(pipeline(inference, info, scratch, frames, false));
                    sinkKind = "ws-stalled";
                    try {
                        stalled.add(pipeline(inference, info, scratch, frames, false));
                    } finally {
                        RunCommand.closeAll(viewers);
                        viewers.clear();
                    }
                }
                sinkKind = "mp4";
                Measurement v = median(alone);
                Measurement w = median(stalled);
                out.printf(Locale.ROOT, "(g) pipeline with MP4 + Foxglove server, no viewer %.2f fps, one stalled "
                                + "viewer %.2f fps: ratio %.3f; end-to-end p50 %.2f ms vs %.2f ms%n",
                        v.fps, w.fps, w.fps / v.fps, ms(v.latency, 50), ms(w.latency, 50));
            }
            if (http) {
                out.println();
                List<Measurement> alone = new ArrayList<>();
                List<Measurement> stalled = new ArrayList<>();
                double jpegMs = Double.NaN;
                double jpegBytes = Double.NaN;
                long skipped = 0;
                for (int r = 0; r < rounds; r++) {
                    sinkKind = "http";
                    alone.add(pipeline(inference, info, scratch, frames, false));
                    sinkKind = "http-stalled";
                    liveViews.clear();
                    try {
                        stalled.add(pipeline(inference, info, scratch, frames, false));
                        jpegMs = liveViews.get(0).jpegMillisPerFrame();
                        jpegBytes = liveViews.get(0).jpegBytesPerFrame();
                        skipped = liveViews.get(0).viewerFramesDropped();
                    } finally {
                        RunCommand.closeAll(viewers);
                        viewers.clear();
                    }
                }
                sinkKind = "mp4";
                Measurement v = median(alone);
                Measurement w = median(stalled);
                out.printf(Locale.ROOT, "(h) pipeline with MP4 + live view, no viewer %.2f fps, one stalled video "
                                + "viewer %.2f fps: ratio %.3f (the stalled viewer skipped %d frames); end-to-end p50 "
                                + "%.2f ms vs %.2f ms; MJPEG: %.2f ms and %.0f KB per frame%n", v.fps, w.fps,
                        w.fps / v.fps, skipped, ms(v.latency, 50), ms(w.latency, 50), jpegMs, jpegBytes / 1024);
            }
            if (second != null) {
                out.println();
                compareModels(inference, second, other, info);
            }
            if (soak > 0) {
                out.println();
                Measurement s = pipeline(inference, info, scratch, soak, true);
                out.printf(Locale.ROOT, "soak: %d frames at %.2f fps; resident memory after warm-up min %.1f MB, "
                                + "max %.1f MB, first %.1f MB, last %.1f MB (spread %.1f MB)%n", soak, s.fps,
                        s.rssMin / 1e6, s.rssMax / 1e6, s.rssFirst / 1e6, s.rssLast / 1e6,
                        (s.rssMax - s.rssMin) / 1e6);
            }
        } finally {
            deleteTree(scratch);
        }
        return 0;
    }

    /**
     * What the preprocess stage spends per frame, part by part, each timed on the same frames in turn: the resize to
     * the input size, the normalisation into the tensor and the camera check ({@link CameraHealth}), with the check's
     * cost as a ratio of the normalisation's (a ratio holds on a shared machine where times do not); and what undoing
     * a lens's distortion and roll adds where {@code run --calib} gives one ({@link
     * io.roadseg.preprocess.Rectification}), as a ratio of the resize's.
     */
    private void preprocessParts(ModelInfo model, SourceInfo info) throws Exception {
        int w = model.inputWidth();
        int h = model.inputHeight();
        Histogram resize = histogram();
        Histogram normalise = histogram();
        Histogram check = histogram();
        Histogram rectify = histogram();
        // a dash camera's lens as run --calib undoes it (Rectification): the cost depends on the size, not the lens
        io.roadseg.preprocess.Rectification.Lens lens = new io.roadseg.preprocess.Rectification.Lens(0.9 * w, 0.9 * w,
                (w - 1) / 2.0, (h - 1) / 2.0, -0.1, 0.01, 0, 0, 0, 1.0);
        try (FrameSource src = openSource();
             Preprocessor pre = new Preprocessor(model);
             Mat frame = new Mat(info.height(), info.width(), org.bytedeco.opencv.global.opencv_core.CV_8UC3);
             Mat small = new Mat(h, w, org.bytedeco.opencv.global.opencv_core.CV_8UC3);
             Mat rectified = new Mat(h, w, org.bytedeco.opencv.global.opencv_core.CV_8UC3);
             io.roadseg.preprocess.Rectification rectification = new io.roadseg.preprocess.Rectification(lens, w, h)) {
            ByteBuffer frameView = frame.data().capacity(info.frameBytes()).asByteBuffer();
            ByteBuffer smallView = small.data().capacity(3L * w * h).asByteBuffer();
            java.nio.FloatBuffer tensor = ByteBuffer.allocateDirect(12 * w * h)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
            CameraHealth health = new CameraHealth(w, h, info.framesCodedApart());
            CameraReading reading = new CameraReading();
            for (int i = 0; i < warmup + frames; i++) {
                long pts = src.read(frameView);
                long t0 = System.nanoTime();
                pre.resizeToModel(frame, small);
                long t1 = System.nanoTime();
                pre.toTensor(smallView, tensor);
                long t2 = System.nanoTime();
                health.measure(smallView, pts, reading);
                long t3 = System.nanoTime();
                rectification.apply(small, rectified);
                long t4 = System.nanoTime();
                if (i >= warmup) {
                    resize.recordValue(Math.max(1, t1 - t0));
                    normalise.recordValue(Math.max(1, t2 - t1));
                    check.recordValue(Math.max(1, t3 - t2));
                    rectify.recordValue(Math.max(1, t4 - t3));
                }
            }
        }
        out.printf(Locale.ROOT, "preprocess per frame at %dx%d, p50: resize %.3f ms, normalise %.3f ms, camera check "
                        + "%.3f ms (ratio camera check / normalise = %.2f); with a --calib lens to undo, rectify "
                        + "%.3f ms (ratio rectify / resize = %.2f)%n", w, h, ms(resize, 50),
                ms(normalise, 50), ms(check, 50), ms(check, 50) / ms(normalise, 50), ms(rectify, 50),
                ms(rectify, 50) / ms(resize, 50));
    }

    private FrameSource openSource() throws Exception {
        return FrameSources.open(source, SourceOptions.defaults().withLoop(true));
    }

    /** One measurement's outcome. */
    private static final class Measurement {
        final String name;
        double fps;
        Histogram latency;
        double coresBusy;
        double allocPerFrame = Double.NaN;
        String allocDetail = "";
        LatencyStats stats;
        long rssMin = Long.MAX_VALUE;
        long rssMax;
        long rssFirst;
        long rssLast;

        Measurement(String name) {
            this.name = name;
        }
    }

    private static Measurement median(List<Measurement> runs) {
        List<Measurement> sorted = new ArrayList<>(runs);
        sorted.sort((x, y) -> Double.compare(x.fps, y.fps));
        return sorted.get(sorted.size() / 2);
    }

    private static double ms(Histogram h, double p) {
        return h.getValueAtPercentile(p) / 1e6;
    }

    private static Histogram histogram() {
        return new Histogram(1, LatencyStats.HIGHEST_NANOS, 3);
    }

    private Measurement decodeOnly() throws Exception {
        Measurement m = new Measurement("(a) decode only");
        m.latency = histogram();
        try (FrameSource src = openSource()) {
            ByteBuffer buf = ByteBuffer.allocateDirect(src.info().frameBytes());
            for (int i = 0; i < warmup; i++) {
                src.read(buf);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                long s = System.nanoTime();
                src.read(buf);
                m.latency.recordValue(Math.max(1, System.nanoTime() - s));
            }
            m.fps = frames / ((System.nanoTime() - t0) / 1e9);
        }
        err.printf(Locale.ROOT, "  (a) decode only: %.1f fps%n", m.fps);
        return m;
    }

    /**
     * (i): inference only of the bench's model against {@code other} ({@link #against}), the two measured one after the other in
     * each round (which of them goes first alternates), at the input size the bench's model runs at; prints both
     * medians and the median, lowest and highest of the per-round ratios.
     */
    private void compareModels(InferenceEngine inference, InferenceEngine second, Path other, SourceInfo info)
            throws Exception {
        out.println("(i) against " + other + ": " + second.describe());
        List<Measurement> mine = new ArrayList<>();
        List<Measurement> theirs = new ArrayList<>();
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            Measurement a;
            Measurement b;
            if (r % 2 == 0) {
                a = inferenceOnly(inference, info);
                b = inferenceOnly(second, info);
            } else {
                b = inferenceOnly(second, info);
                a = inferenceOnly(inference, info);
            }
            mine.add(a);
            theirs.add(b);
            ratio[r] = a.fps / b.fps;
        }
        double[] sorted = ratio.clone();
        Arrays.sort(sorted);
        out.printf(Locale.ROOT, "(i) inference only, medians of %d interleaved round(s): %s %.2f fps, %s %.2f fps;"
                        + " ratio %s/%s = %.3f (per round %.3f–%.3f)%n", rounds, model.getFileName(),
                median(mine).fps, other.getFileName(), median(theirs).fps, model.getFileName(),
                other.getFileName(), sorted[rounds / 2], sorted[0], sorted[rounds - 1]);
    }

    private Measurement inferenceOnly(InferenceEngine inference, SourceInfo info) throws Exception {
        Measurement m = new Measurement("(b) inference only");
        m.latency = histogram();
        try (FrameSource src = openSource();
             TensorBinding binding = inference.allocate();
             Preprocessor pre = new Preprocessor(inference.model());
             Mat frame = new Mat(info.height(), info.width(), CV_8UC3);
             Mat small = new Mat(inference.model().inputHeight(), inference.model().inputWidth(), CV_8UC3)) {
            ByteBuffer pixels = frame.data().capacity(info.frameBytes()).asByteBuffer();
            src.read(pixels);
            pre.resizeToModel(frame, small);
            pre.toTensor(small.data().capacity(3L * inference.model().inputPixels()).asByteBuffer(), binding.input);
            for (int i = 0; i < warmup; i++) {
                inference.infer(binding);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                m.latency.recordValue(Math.max(1, inference.infer(binding)));
            }
            m.fps = frames / ((System.nanoTime() - t0) / 1e9);
        }
        err.printf(Locale.ROOT, "  (b) inference only: %.1f fps%n", m.fps);
        return m;
    }

    private List<FrameSink> sinks(InferenceEngine inference, SourceInfo info, Path scratch, String name)
            throws Exception {
        List<FrameSink> sinks = new ArrayList<>();
        if (sinkKind.equals("mcap")) {
            ModelInfo model = inference.model();
            sinks.add(new McapSink(scratch.resolve(name + ".mcap").toString(), new ResultMessages(
                    model.inputWidth(), model.inputHeight(), new ResultMessages.Intrinsics(model.focalPx(),
                    model.focalPx(), (model.inputWidth() - 1) / 2.0, (model.inputHeight() - 1) / 2.0), "camera",
                    model.classNames()), McapFormat.Compression.ZSTD));
        } else if (sinkKind.startsWith("http")) {
            ModelInfo model = inference.model();
            sinks.add(new VideoWriter(scratch.resolve(name + ".mp4").toString(), model.inputWidth() * 2,
                    model.inputHeight(), info.fps(), "auto", 0));
            LiveView live = new LiveView("127.0.0.1:0", model.file().getFileName().toString(), inference.describe(),
                    source, model.inputWidth() + "x" + model.inputHeight(), model.classNames(), model.classColors());
            sinks.add(live);
            liveViews.add(live);
            if (sinkKind.equals("http-stalled")) {
                java.net.Socket s = new java.net.Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", live.port()));
                s.getOutputStream().write("GET /video.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                viewers.add(s);
            }
        } else if (sinkKind.startsWith("ws")) {
            ModelInfo model = inference.model();
            sinks.add(new VideoWriter(scratch.resolve(name + ".mp4").toString(), model.inputWidth() * 2,
                    model.inputHeight(), info.fps(), "auto", 0));
            FoxgloveServerSink server = new FoxgloveServerSink("ws://127.0.0.1:0", new ResultMessages(
                    model.inputWidth(), model.inputHeight(), new ResultMessages.Intrinsics(model.focalPx(),
                    model.focalPx(), (model.inputWidth() - 1) / 2.0, (model.inputHeight() - 1) / 2.0), "camera",
                    model.classNames()), Map.of());
            sinks.add(server);
            if (sinkKind.equals("ws-stalled")) {
                viewers.add(new StalledViewer("127.0.0.1", server.port(), ResultMessages.COUNT, 16 << 10));
            }
        } else if (!noVideo) {
            sinks.add(new VideoWriter(scratch.resolve(name + ".mp4").toString(), inference.model().inputWidth() * 2,
                    inference.model().inputHeight(), info.fps(), "auto", 0));
        }
        return sinks;
    }

    private Measurement sequential(InferenceEngine inference, SourceInfo info, Path scratch) throws Exception {
        Measurement m = new Measurement("(c) sequential loop");
        List<FrameSink> sinks = sinks(inference, info, scratch, "sequential");
        var threadsBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (FrameSource src = openSource();
             LatencyStats stats = new LatencyStats(-1, null, null);
             SequentialLoop loop = new SequentialLoop(src, inference, sinks, true, stats)) {
            loop.run(warmup);
            long tid = Thread.currentThread().getId();
            long alloc0 = threadsBean.getThreadAllocatedBytes(tid);
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            loop.run(frames);
            long wall = System.nanoTime() - t0;
            m.allocPerFrame = (threadsBean.getThreadAllocatedBytes(tid) - alloc0) / (double) frames;
            m.coresBusy = (os.getProcessCpuTime() - cpu0) / (double) wall;
            m.fps = frames / (wall / 1e9);
            stats.finish();
            m.latency = stats.total(Stage.END_TO_END);
        } finally {
            RunCommand.closeAll(new ArrayList<>(sinks));
        }
        err.printf(Locale.ROOT, "  (c) sequential: %.1f fps%n", m.fps);
        return m;
    }

    /**
     * The pipeline over {@code count} frames. Allocation and CPU are sampled from the sink thread at the end of the
     * warm-up and at the last frame, so the ring's start and drain are excluded.
     */
    private Measurement pipeline(InferenceEngine inference, SourceInfo info, Path scratch, long count, boolean rss)
            throws Exception {
        Measurement m = new Measurement("(d) pipeline");
        List<FrameSink> sinks = sinks(inference, info, scratch, "pipeline");
        var threadsBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[][] ids = new long[1][];
        long[] alloc0 = new long[1];
        long[] alloc1 = new long[1];
        long[][] perThread = new long[2][];
        long[] cpu = new long[2];
        long[] wall = new long[2];
        long rssEvery = Math.max(1, count / 50);
        Pipeline[] holder = new Pipeline[1];
        FrameSink probe = new CallbackSink("bench-probe", (FrameResult f) -> {
            long i = f.frameIndex();
            if (i == warmup || i == count - 1) {
                int k = i == warmup ? 0 : 1;
                if (ids[0] == null) {
                    ids[0] = holder[0].threads().stream().mapToLong(Thread::getId).toArray();
                }
                perThread[k] = threadsBean.getThreadAllocatedBytes(ids[0]);
                long sum = 0;
                for (long v : perThread[k]) {
                    sum += v;
                }
                (k == 0 ? alloc0 : alloc1)[0] = sum;
                cpu[k] = os.getProcessCpuTime();
                wall[k] = System.nanoTime();
            }
            if (rss && i >= warmup && i % rssEvery == 0) {
                long r = residentBytes();
                if (m.rssFirst == 0) {
                    m.rssFirst = r;
                }
                m.rssLast = r;
                m.rssMin = Math.min(m.rssMin, r);
                m.rssMax = Math.max(m.rssMax, r);
            }
        });
        sinks.add(probe);
        PipelineConfig config = PipelineConfig.defaults(PipelineMode.EVERY_FRAME).withWait(waitKind)
                .withMaxFrames(count);
        try (FrameSource src = openSource();
             LatencyStats stats = new LatencyStats(count, rss ? err : null, null);
             Pipeline p = new Pipeline(src, inference, sinks, config, stats)) {
            holder[0] = p;
            stats.start();
            var result = p.run();
            stats.finish();
            if (result.failure() != null) {
                throw new UserError("pipeline failed: " + RoadsegCommand.oneLine(result.failure()),
                        result.failure());
            }
            long frames = count - 1 - warmup;
            double seconds = (wall[1] - wall[0]) / 1e9;
            m.fps = frames / seconds;
            m.coresBusy = (cpu[1] - cpu[0]) / (seconds * 1e9);
            m.allocPerFrame = (alloc1[0] - alloc0[0]) / (double) frames;
            List<Thread> threads = p.threads();
            StringBuilder detail = new StringBuilder();
            for (int t = 0; t < ids[0].length && t < threads.size(); t++) {
                detail.append(t == 0 ? "" : ", ").append(threads.get(t).getName().replace("roadseg-", ""))
                        .append(' ').append(Math.round((perThread[1][t] - perThread[0][t]) / (double) frames));
            }
            m.allocDetail = detail.toString().toString();
            m.latency = stats.total(Stage.END_TO_END);
            m.stats = stats;
        } finally {
            RunCommand.closeAll(new ArrayList<>(sinks));
        }
        if (!rss) {
            err.printf(Locale.ROOT, "  (d) pipeline: %.1f fps%n", m.fps);
        }
        return m;
    }

    /** Resident set size from /proc (Linux); 0 where unavailable. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted((x, y) -> y.getNameCount() - x.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort on a temporary folder
        }
    }
}
