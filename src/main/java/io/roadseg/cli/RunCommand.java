package io.roadseg.cli;

import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.ModelInfo;
import io.roadseg.metrics.AccuracyReport;
import io.roadseg.pipeline.FrameSink;
import io.roadseg.pipeline.LiveAccuracy;
import io.roadseg.pipeline.Pipeline;
import io.roadseg.pipeline.PipelineConfig;
import io.roadseg.pipeline.PipelineMode;
import io.roadseg.pipeline.RunResult;
import io.roadseg.pipeline.WaitKind;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.preprocess.Rectification;
import io.roadseg.ros.CameraInfoMessage;
import io.roadseg.ros.CameraMount;
import io.roadseg.sim.CameraCalibration;
import io.roadseg.mcap.McapFormat;
import io.roadseg.sink.FoxglovePublishSink;
import io.roadseg.sink.FoxgloveServerSink;
import io.roadseg.sink.JsonLinesSink;
import io.roadseg.sink.McapSink;
import io.roadseg.sink.ResultMessages;
import io.roadseg.sink.VideoWriter;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.InstallPaths;
import io.roadseg.source.McapSource;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceInfo;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import io.roadseg.stats.StatsReport;
import io.roadseg.web.LiveView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code roadseg run SOURCE}: the product's main job.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a recording, camera or stream through the pipeline.",
                "SOURCE: a video file or file://, a folder of images, an MCAP recording, v4l2:///dev/video0, "
                        + "rtsp://, udp://, tcp://, srt://, rtmp://, http(s)://, ws://HOST:PORT (a Foxglove WebSocket "
                        + "server's camera topic: foxglove_bridge on a robot), sim://town?…."},
        footer = {"", "Examples:",
                "  roadseg run recordings/town-drive --out out/annotated.mp4 --stats out/stats.json",
                "  roadseg run v4l2:///dev/video0 --out udp://127.0.0.1:5000",
                "  roadseg run rtsp://host/cam --results out/frames.jsonl",
                "  roadseg run ws://robot:8765 --topic /camera/image_raw/compressed --publish ws://robot:8765"})
final class RunCommand implements Callable<Integer> {
    static final String DEFAULT_MODEL = "engines/roadseg.onnx";

    @Parameters(index = "0", arity = "0..1", paramLabel = "SOURCE",
            description = "What to read (see above); or --drives for many.")
    String source;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE|URL",
            description = {"Annotated video: .mp4/.mkv/.ts file, or udp://, rtp://, rtmp://, srt:// stream;",
                    "or a .mcap file of ROS 2 messages (annotated JPEG, class ids, depth, camera info, JSON)."})
    String out;

    @Option(names = "--drives", paramLabel = "LIST|GLOB",
            description = {"Replay many recordings one after another (a file with one per line, or a glob): each gets "
                    + "DIR/NAME/annotated.mp4, results.jsonl and stats.json under --out-dir; a drive that fails is "
                    + "listed, the others go on. With --shard i/N only drives i, i+N, … of the sorted list."})
    String drives;

    @Option(names = "--shard", paramLabel = "i/N", description = "With --drives: replay shard i of N (0-based).")
    String shard;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "With --drives: where each drive's outputs go.")
    Path outDir;

    @Option(names = "--topic", paramLabel = "TOPIC",
            description = "The camera topic of an MCAP source (default: its only camera topic; 'roadseg info' lists"
                    + " them).")
    String topic;

    @Option(names = "--motion-topic", paramLabel = "TOPIC",
            description = "The vehicle-motion topic of an MCAP source that --path vehicle follows ("
                    + "nav_msgs/msg/Odometry or geometry_msgs/msg/TwistStamped; default: the first such topic by "
                    + "name; 'roadseg info' lists them).")
    String motionTopic;

    @Option(names = "--ca-cert", paramLabel = "FILE.pem",
            description = "For a wss:// source or --publish wss://: the server's TLS certificate, or the authority's "
                    + "that signed it, trusted beside the JVM's (a robot's own certificate, foxglove_bridge's certfile).")
    Path caCert;

    @Option(names = "--serve", paramLabel = "ws://HOST:PORT",
            description = {"Serve the results live to Foxglove (Foxglove WebSocket protocol), e.g. ws://127.0.0.1:8765;",
                    "bind another address than 127.0.0.1 only on purpose."})
    String serve;

    @Option(names = "--http", paramLabel = "[HOST:]PORT",
            description = {"Live view in a browser (video, latency charts) and Prometheus /metrics, e.g. 8080 (binds "
                    + "127.0.0.1) or 0.0.0.0:8080 to be seen from other machines."})
    String http;

    @Option(names = "--publish", paramLabel = "ws://HOST:PORT",
            description = "Publish the results into a running foxglove_bridge (client publish), onto ROS 2 topics "
                    + "(wss:// over TLS, --ca-cert for its own certificate).")
    String publish;

    @Option(names = "--mcap-compression", paramLabel = "zstd|lz4|none", defaultValue = "zstd",
            description = "Chunk compression of an .mcap --out (default: ${DEFAULT-VALUE}).")
    String mcapCompression;

    @Option(names = "--results", paramLabel = "FILE", description = "Per-frame results as JSON lines ('-' = stdout).")
    String results;

    @Option(names = "--stats", paramLabel = "FILE", description = "Latency summary as JSON (written at the end; '-' = "
            + "stdout).")
    Path statsJson;

    @Option(names = "--hlog", paramLabel = "FILE", description = "HdrHistogram interval log, one interval a second.")
    Path hlog;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", defaultValue = DEFAULT_MODEL,
            description = "ONNX model (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--flip-average", description = "Run each frame twice, as it is and mirrored left to right, "
            + "and average the class scores and the depth: a little better, at twice the inference time (for "
            + "offline videos, not a car's real-time loop).")
    boolean flipAverage;

    @Option(names = "--input-size", paramLabel = "auto|auto:WxH|model|WxH", defaultValue = "auto",
            description = "Network input size: auto = the source's aspect at the model's trained pixel count "
                    + "(e.g. 544x304 for 16:9), auto:WxH = the source's aspect at WxH's pixel count (e.g. "
                    + "auto:640x480: finer, slower), model = the size in the model's metadata, or WxH (multiples "
                    + "of 16).")
    String inputSize;

    @Option(names = "--video-size", paramLabel = "model|source|WxH", defaultValue = "model",
            description = "Size of the annotated video (overlay and depth panel side by side): model = the network's "
                    + "input size (default), source = each panel at the source's resolution, or WxH for the whole.")
    String videoSize;

    @Option(names = "--engine", defaultValue = "auto",
            description = "Inference backend: auto, cpu, or another installed backend (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--threads", defaultValue = "2", description = "CPU inference threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--pace", description = "Replay at the recording's own frame rate and behave like a live "
            + "camera (drop stale frames) instead of processing every frame as fast as possible.")
    boolean pace;

    @Option(names = "--loop", description = "Restart a recording at its end (with --frames for soak runs).")
    boolean loop;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "0", description = {"Stop after the source's first N frames (with --pace or a live",
            "source, frames dropped at capture count: each is processed, dropped or skipped)."})
    long frames;

    @Option(names = "--codec", defaultValue = "auto",
            description = "H.264 encoder: auto (libx264 if this FFmpeg has it, else libopenh264) or a name.")
    String codec;

    @Option(names = "--bitrate", paramLabel = "BPS", defaultValue = "0",
            description = "Video bit rate in bit/s (default: about 0.15 bit per pixel per frame).")
    long bitrate;

    @Option(names = "--ring", paramLabel = "SLOTS", description = "Ring size, a power of 2 (default 8 replay, 4 live).")
    Integer ring;

    @Option(names = "--wait", defaultValue = "PARKING",
            description = "Ring wait strategy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    WaitKind waitKind;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Bound on connecting to / waiting for a stream or camera (default: ${DEFAULT-VALUE} s).")
    double timeoutSeconds;

    @Option(names = "--folder-fps", defaultValue = "10", description = "Frame rate of a folder of images.")
    double folderFps;

    @Option(names = "--calib", paramLabel = "FILE", description = "The camera's calibration (calibration/README.md: "
            + "roadseg's file, a camera.json, or ROS camera_calibration / OpenCV / Kalibr YAML, FILE#cam1 for a Kalibr "
            + "chain's other camera, FILE#rectified for pictures already rectified with a ROS file): depth is scaled by "
            + "its focal length over the one the model was trained for, fused with its ground plane where it gives "
            + "the mount, and its lens distortion and roll undone; replaces an MCAP file's own CameraInfo (and its "
            + "/tf_static mount where the file gives one).")
    Path calib;

    @Option(names = "--path-width", paramLabel = "METRES", description = "Width of the vehicle's path, a "
            + "corridor starting at the camera, in which the lead road user (its distance, closing speed and time "
            + "to contact) is looked for (default: ${DEFAULT-VALUE}, one lane).")
    double pathWidth = 2 * PipelineConfig.Path.DEFAULT.halfWidthMetres();

    /** How the vehicle's path is shaped. */
    enum PathShape {
        road(PipelineConfig.Path.Shape.ROAD), straight(PipelineConfig.Path.Shape.STRAIGHT),
        vehicle(PipelineConfig.Path.Shape.VEHICLE);

        final PipelineConfig.Path.Shape shape;

        PathShape(PipelineConfig.Path.Shape shape) {
            this.shape = shape;
        }
    }

    @Option(names = "--path", paramLabel = "SHAPE", description = "Shape of the vehicle's path: road (bent along the "
            + "road's edges read in each frame), straight (along the camera's axis) or vehicle (the curvature the "
            + "vehicle drove, its yaw rate over its speed, where the source records it: a recording's ego.csv, a "
            + "sim:// drive, an MCAP file's odometry; the road's elsewhere). Default: ${DEFAULT-VALUE}.")
    PathShape pathShape = PathShape.road;

    @Option(names = "--no-ground-plane", description = "With --calib: scale depth by the focal length only, without "
            + "fusing it with the road geometry of the calibrated camera (height, pitch).")
    boolean noGroundPlane;

    @Option(names = "--no-rectify", description = "Take the camera for a level pinhole, leaving the lens distortion "
            + "and roll that --calib or the recording's CameraInfo gives in the picture, instead of undoing them "
            + "before the network (every result is then the rectified camera's).")
    boolean noRectify;

    @Option(names = "--rotate", paramLabel = "DEG", description = "Turn every picture by this many degrees before "
            + "the network: 180 for a camera mounted upside down (the camera check says upside_down); 0 (default) "
            + "leaves it.")
    int rotate;

    @Option(names = "--no-hud", description = "Do not draw the heads-up display.")
    boolean noHud;

    @Option(names = "--show-uncertain", description = {"Draw the pixels whose class the network is unsure of "
            + "(confidence under 0.5: more likely wrong than right) without their class colour, the camera's picture "
            + "showing through: the annotated video shows what the network does not know."})
    boolean showUncertain;

    @Option(names = {"-q", "--quiet"}, description = "No progress line.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (drives != null || shard != null || outDir != null) {
            return replayMany();
        }
        if (source == null) {
            throw new UsageError("give a SOURCE to read, or --drives LIST|GLOB");
        }
        return replayOne();
    }

    /**
     * {@code --drives}: every drive of the shard through {@link #replayOne}, its outputs in its own folder; failures
     * are listed in the shard's summary ({@code DIR/replay-shard-I-of-N.json}) and do not stop the others.
     */
    private Integer replayMany() throws Exception {
        if (drives == null || outDir == null) {
            throw new UsageError("--drives and --out-dir go together (--shard needs both)");
        }
        if (source != null || out != null || results != null || statsJson != null) {
            throw new UsageError("--drives replays many recordings: give no SOURCE, --out, --results or --stats "
                    + "(each drive's outputs go under --out-dir)");
        }
        int[] part = {0, 1};
        if (shard != null) {
            try {
                part = io.roadseg.fleet.DriveList.parseShard(shard);
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
        }
        List<String> all;
        try {
            all = io.roadseg.fleet.DriveList.read(drives);
        } catch (java.io.IOException e) {
            throw UserError.of(e);
        }
        if (all.isEmpty()) {
            throw new UserError("--drives " + drives + ": lists no drives");
        }
        List<String> mine = io.roadseg.fleet.DriveList.shard(all, part[0], part[1]);
        OutputPaths outputs = new OutputPaths().input("--drives", drives);
        for (String drive : all) {
            outputs.input(null, drive);
        }
        outputs.outputFolder("--out-dir", outDir.toString());
        java.nio.file.Files.createDirectories(outDir);
        StringBuilder rows = new StringBuilder();
        int failed = 0;
        for (String drive : mine) {
            String name = drive.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^[._]+", "");
            Path dir = outDir.resolve(name.isEmpty() ? "drive" : name);
            java.nio.file.Files.createDirectories(dir);
            source = drive;
            out = dir.resolve("annotated.mp4").toString();
            results = dir.resolve("results.jsonl").toString();
            statsJson = dir.resolve("stats.json");
            String error = null;
            lastCameraIssues = null;
            try {
                replayOne();
            } catch (Exception e) {
                error = RoadsegCommand.oneLine(e);
                failed++;
            }
            System.err.println("  " + drive + ": " + (error == null ? "done" : "failed: " + error)
                    + (lastCameraIssues == null ? "" : "; " + lastCameraIssues.line()));
            rows.append(rows.length() == 0 ? "" : ",\n").append("{\"drive\":")
                    .append(io.roadseg.ros.Json.quote(drive)).append(",\"outputs\":")
                    .append(io.roadseg.ros.Json.quote(dir.toString())).append(",\"status\":")
                    .append(error == null ? "\"ok\"" : "\"failed\",\"error\":" + io.roadseg.ros.Json.quote(error))
                    .append(lastCameraIssues == null ? "" : ",\"camera\":" + lastCameraIssues.json())
                    .append('}');
        }
        Path summary = outDir.resolve("replay-shard-" + part[0] + "-of-" + part[1] + ".json");
        StatsReport.writeAtomically(summary, "{\"shard\":\"" + part[0] + "/" + part[1] + "\",\"drives\":[\n"
                + rows + "\n]}\n");
        System.err.println("replayed " + (mine.size() - failed) + " of " + mine.size() + " drives of shard "
                + part[0] + "/" + part[1] + (failed > 0 ? " (" + failed + " failed, listed in " + summary + ")"
                : "") + "; summary " + summary);
        if (failed > 0 && failed == mine.size()) {
            throw new UserError("--drives " + drives + ": every drive of the shard failed (listed with its error in "
                    + summary + ")");
        }
        return 0;
    }

    /** With --drives: the camera issue counts of the drive replayed last (null before its run ends). */
    private io.roadseg.preprocess.CameraIssueCounts lastCameraIssues;
    /** Where the ground plane of the run came from ({@link #groundPlane}), for its messages; "" without one. */
    private String planeFrom = "";

    private Integer replayOne() throws Exception {
        model = InstallPaths.resolve(model);
        calib = InstallPaths.resolve(calib);
        validate();
        PrintStream err = System.err;
        SourceOptions sourceOptions = new SourceOptions(loop, Duration.ofMillis(Math.round(timeoutSeconds * 1000)),
                folderFps, topic, motionTopic, caCert);
        List<AutoCloseable> owned = new ArrayList<>();
        Throwable failure = null;
        Integer exit = null;
        StopSignals signals = new StopSignals(err);
        owned.add(signals); // closed last: a signal while the outputs are finalised is still a stop
        try {
            // the engine's own lines wait until it is known whether it is reopened at the source's aspect
            List<String> engineLog = new ArrayList<>();
            EngineOptions engineOptions = new EngineOptions(threads).withFlipAverage(flipAverage);
            InferenceEngine inference = InputSizeOption.openBeforeSource(inputSize, engine, model, engineOptions,
                    engineLog::add);
            owned.add(inference);
            FrameSource src;
            try {
                src = FrameSources.open(source, sourceOptions);
            } catch (Exception e) {
                engineLog.forEach(err::println);
                throw e;
            }
            owned.add(src);
            SourceInfo info = src.info();
            if (src.displayRotation() != 0) {
                err.println("warning: input " + info.uri() + ": the video asks to be shown rotated by "
                        + src.displayRotation() + "° (phone orientation metadata); its frames go to the model as "
                        + "stored, turned by that much against the road scenes it was trained on — rotate the video "
                        + "first for meaningful results");
            }
            InferenceEngine fitted = InputSizeOption.fitToSource(inputSize, inference, engine, model, engineOptions,
                    info.width(), info.height(), err::println);
            if (fitted != inference) {
                owned.set(owned.indexOf(inference), fitted);
                inference = fitted;
            } else {
                engineLog.forEach(err::println);
            }
            err.println("source " + info.uri() + ": " + info.width() + "x" + info.height() + " "
                    + String.format("%.2f", info.fps()) + " fps " + info.codec()
                    + (info.live() ? " (live)" : info.frameCount() > 0 ? ", " + info.frameCount() + " frames" : ""));
            CameraInfoMessage recorded = src.recordedCamera();
            if (calib == null && recorded != null && !recorded.readAs().isEmpty()) {
                err.println("camera from " + recorded.topic() + " for these pictures: " + recorded.readAs());
            }
            PipelineMode mode = info.live() ? PipelineMode.LIVE : pace ? PipelineMode.PACED : PipelineMode.EVERY_FRAME;
            PipelineConfig config = PipelineConfig.defaults(mode).withWait(waitKind).withMaxFrames(frames);
            if (ring != null) {
                config = config.withRingSize(ring);
            }
            config = config.withHud(!noHud).withShowUncertain(showUncertain)
                    .withDepthScale(depthScale(inference.model(), src, err))
                    .withGroundPlane(groundPlane(inference.model(), src, err))
                    .withLens(lens(inference.model(), src, err))
                    .withPath(path(inference.model(), src));
            List<FrameSink> sinks = new ArrayList<>();
            VideoWriter video = null;
            McapSink mcap = null;
            if (out != null && isMcap(out)) {
                mcap = new McapSink(out, resultMessages(inference.model(), src),
                        McapFormat.Compression.parse(mcapCompression));
                owned.add(mcap);
                sinks.add(mcap);
            } else if (out != null) {
                int[] size = videoSize(inference.model(), info);
                video = new VideoWriter(out, inference.model().inputWidth() * 2, inference.model().inputHeight(),
                        size[0], size[1], info.fps(), codec, bitrate, timeoutSeconds, signals::stopping);
                owned.add(video);
                sinks.add(video);
            }
            FoxgloveServerSink server = null;
            if (serve != null) {
                server = new FoxgloveServerSink(serve, resultMessages(inference.model(), src),
                        Map.of("model", inference.model().file().getFileName().toString(), "engine",
                                inference.describe(), "source", info.uri()));
                owned.add(server);
                sinks.add(server);
            }
            LiveView live = null;
            if (http != null) {
                ModelInfo m = inference.model();
                live = new LiveView(http.contains(":") ? http : "127.0.0.1:" + http,
                        m.file().getFileName().toString(), inference.describe(), info.uri(),
                        m.inputWidth() + "x" + m.inputHeight(), m.classNames(), m.classColors());
                owned.add(live);
                sinks.add(live);
            }
            FoxglovePublishSink publisher = null;
            if (publish != null) {
                publisher = new FoxglovePublishSink(publish, resultMessages(inference.model(), src), timeoutSeconds,
                        publish.startsWith("wss://") ? caCert : null);
                owned.add(publisher);
                sinks.add(publisher);
            }
            if (results != null) {
                JsonLinesSink jsonl = new JsonLinesSink(results, inference.model().classNames());
                owned.add(jsonl);
                sinks.add(jsonl);
            }
            for (FrameSink s : sinks) {
                err.println("sink " + s.describe());
            }
            long expected = frames > 0 ? frames : (loop || info.live()) ? -1 : info.frameCount();
            LatencyStats stats = new LatencyStats(expected, quiet ? null : err, hlog);
            owned.add(stats);
            Pipeline pipeline = new Pipeline(src, inference, sinks, config, stats);
            owned.add(pipeline);
            if (live != null) {
                live.attach(pipeline, stats);
            }
            RunResult result;
            signals.attach(pipeline::requestStop);
            try {
                stats.start();
                result = pipeline.run();
            } catch (SourceException e) {
                // The source failed mid-run (a stream that stalled, a decode error): what was processed is
                // finalised and its statistics written below, then the error is reported.
                result = new RunResult(stats.captured(), false, true, e);
            }
            stats.finish();
            // Finalise outputs before reporting, so that whatever happens next the files are complete.
            pipeline.close();
            for (int i = sinks.size() - 1; i >= 0; i--) {
                sinks.get(i).close();
            }
            err.println(StatsReport.table(stats));
            lastCameraIssues = pipeline.cameraIssues();
            err.println(lastCameraIssues.line());
            String advice = cameraAdvice(lastCameraIssues);
            if (advice != null) {
                err.println(advice);
            }
            LiveAccuracy accuracy = pipeline.accuracy();
            if (accuracy != null) {
                err.println("accuracy against the source's ground truth (model input size):");
                err.print(AccuracyReport.table(inference.model().classNames(), accuracy.segmentation(),
                        accuracy.depth(), accuracy.nearestAhead(), accuracy.lead(), accuracy.confidence(),
                        ClassMaps.UNCERTAIN_BELOW));
            }
            if (pathShape == PathShape.vehicle && pipeline.framesPathFromVehicle() == 0 && stats.processed() > 0) {
                err.println("warning: input " + info.uri() + ": records no vehicle motion (a recording's ego.csv, "
                        + "odometry in an MCAP file), or the vehicle never moved faster than "
                        + io.roadseg.source.VehicleCurvature.MIN_SPEED_MPS + " m/s; --path vehicle followed the road "
                        + "instead");
            }
            Pipeline.RoadHorizon horizon = pipeline.roadHorizon();
            String horizonWarning = horizonWarning(config.groundPlane(), horizon);
            if (horizonWarning != null) {
                err.println(planeFrom + ": " + horizonWarning);
            }
            if (video != null && video.framesWritten() == 0 && !video.target().contains("://")) {
                err.println("no frame reached " + video.target() + ": no file left (a video without a picture)");
            } else if (video != null) {
                err.println("wrote " + video.framesWritten() + " frames to " + video.target() + " with "
                        + video.openedEncoder() + (video.sendFailures() > 0 ? " (" + video.sendFailures()
                        + " failed sends)" : ""));
            }
            if (mcap != null) {
                err.println("wrote " + mcap.framesWritten() + " frames to " + mcap.target() + " (MCAP, ros2)");
            }
            if (server != null) {
                err.println("served " + server.messagesSent() + " messages to " + server.viewersSeen() + " viewer(s); "
                        + server.framesDropped() + " frames dropped for slow viewers"
                        + (server.viewersRefused() > 0 ? ", " + server.viewersRefused() + " viewers refused (more than "
                        + FoxgloveServerSink.MAX_CLIENTS + " at once)" : ""));
            }
            if (live != null) {
                err.println("live view " + live.url() + ": served " + live.framesServed() + " frames; "
                        + live.viewerFramesDropped() + " skipped for slow viewers"
                        + (live.viewersRefused() > 0 ? ", " + live.viewersRefused() + " connections refused (more "
                        + "than " + LiveView.MAX_VIEWERS + " streams at once)" : ""));
            }
            if (publisher != null) {
                err.println("published " + publisher.messagesSent() + " messages to " + publisher.url() + "; "
                        + publisher.framesDropped() + " frames dropped while the server was behind");
            }
            if (statsJson != null) {
                Map<String, Object> header = new LinkedHashMap<>();
                header.put("source", info.uri());
                header.put("mode", mode.name().toLowerCase());
                header.put("engine", inference.describe());
                header.put("interrupted", result.interrupted() && result.failure() == null);
                header.put("corrupt_frames", src.corruptFrames());
                header.put("camera", new StatsReport.RawJson(pipeline.cameraIssues().json()));
                header.put("camera_model", new StatsReport.RawJson(cameraModelJson(config,
                        intrinsics(inference.model(), src), src)));
                if (accuracy != null) {
                    header.put("accuracy", new StatsReport.RawJson(AccuracyReport.json(
                            inference.model().classNames(), accuracy.segmentation(), accuracy.depth(),
                            accuracy.nearestAhead(), accuracy.lead(), accuracy.confidence(), ClassMaps.UNCERTAIN_BELOW,
                            inference.model().confidenceTemperature())));
                }
                if (horizon != null) {
                    header.put("road_horizon", new StatsReport.RawJson(horizonJson(config.groundPlane(), horizon)));
                }
                if (statsJson.toString().equals("-")) {
                    System.out.println(StatsReport.json(stats, header));
                } else {
                    StatsReport.writeAtomically(statsJson, StatsReport.json(stats, header));
                    err.println("wrote statistics to " + statsJson);
                }
            }
            if (result.failure() != null) {
                throw result.failure();
            }
            if (stats.histogramLogFailure() != null) {
                throw new UserError(stats.histogramLogFailure());
            }
            if (result.interrupted()) {
                err.println("interrupted: outputs finalised after " + stats.processed() + " frames");
            }
            // Frames decoded = captured (entered + dropped on purpose by the real-time policy).
            // Announced frame counts can be off by a frame or two (edit lists, B-frame reordering); anything more
            // missing is a truncated or damaged file, whatever its share.
            if (result.endOfStream() && !info.live() && !loop && info.frameCount() > 0
                    && stats.captured() + truncationTolerance(info.frameCount()) < info.frameCount()) {
                throw new UserError("input " + info.uri() + ": truncated or damaged: decoded " + stats.captured()
                        + " of " + info.frameCount() + " frames (outputs hold what was decoded)");
            }
            if (video != null && video.framesNotSent() > 0) {
                throw new UserError("output " + video.target() + ": " + video.framesNotSent() + " of "
                        + video.framesWritten() + " frames could not be sent (" + video.sendFailures()
                        + " failed sends: receiver gone or refusing); " + (video.framesWritten()
                        - video.framesNotSent()) + " frames were sent");
            }
            if (publisher != null && publisher.lostReason() != null) {
                throw new UserError("--publish " + publisher.url() + ": " + publisher.lostReason() + " after "
                        + publisher.messagesSent() + " messages");
            }
            if (src instanceof io.roadseg.source.FoxgloveSource bridge && bridge.skippedMessages() > 0) {
                err.println("input " + info.uri() + ": " + bridge.skippedMessages() + " of the server's messages "
                        + "skipped as newer ones came (live: the newest is read)");
            }
            if (src.corruptFrames() > 0) {
                err.println("warning: input " + info.uri() + ": " + src.corruptFrames() + " damaged "
                        + (src instanceof McapSource m ? "messages skipped (last: " + m.lastError() + ")"
                        : "packets skipped"));
            }
            exit = 0;
        } catch (Throwable t) {
            failure = t;
        } finally {
            Throwable closing = closeAll(owned);
            if (failure == null && closing != null) {
                failure = closing;
            }
        }
        if (failure != null) {
            if (failure instanceof Exception e) {
                throw e;
            }
            throw (Error) failure;
        }
        return exit;
    }

    /** The encoded size of the annotated video for {@code --video-size}; both even. */
    private int[] videoSize(ModelInfo model, SourceInfo source) {
        int w;
        int h;
        if (videoSize.equals("source") && source.width() > 0 && source.height() > 0) {
            w = 2 * source.width();
            h = source.height();
        } else if (videoSize.equals("model") || videoSize.equals("source")) {
            w = 2 * model.inputWidth();
            h = model.inputHeight();
        } else {
            String[] wh = videoSize.split("x");
            w = Integer.parseInt(wh[0]);
            h = Integer.parseInt(wh[1]);
        }
        return new int[] {w & ~1, h & ~1};
    }

    /** {@code ws://HOST:PORT[/path]}, HOST a name, an IPv4 address or a bracketed IPv6 address. */
    private static final String WS_URL = "ws://([^/:\\[\\]]+|\\[[0-9a-fA-F:.]+\\]):[0-9]{1,5}(/.*)?";

    /**
     * A URL's port, where it has one, must be one: 1 to 65535.
     *
     * @param option the option (or "source") the URL was given with
     * @param url    the value, or null
     */
    static void port(String option, String url) throws UsageError {
        if (url == null || !url.contains("://")) {
            return;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^[a-zA-Z0-9+.-]+://(?:[^/@]*@)?"
                + "(?:\\[[^\\]]*\\]|[^/:\\[\\]]*):([0-9]+)(?:[/?].*)?$").matcher(url);
        if (m.matches()) {
            String digits = m.group(1);
            if (digits.length() > 5 || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
                throw new UsageError(option + " " + url.replaceFirst("^http://(localhost:)?", "") + ": port " + digits
                        + " is not a port (1 to 65535)");
            }
        }
    }

    /**
     * Whether two HOST:PORT listeners would bind the same socket: one port, and one host or either on every address
     * ({@code 0.0.0.0}, {@code [::]}).
     */
    static boolean sameListener(String a, String b) {
        int ca = a.lastIndexOf(':');
        int cb = b.lastIndexOf(':');
        if (ca < 0 || cb < 0 || !a.substring(ca + 1).equals(b.substring(cb + 1))) {
            return false;
        }
        String ha = a.substring(0, ca);
        String hb = b.substring(0, cb);
        java.util.Set<String> any = java.util.Set.of("0.0.0.0", "[::]", "");
        return ha.equalsIgnoreCase(hb) || any.contains(ha) || any.contains(hb);
    }

    static boolean isMcap(String out) {
        return out.toLowerCase(java.util.Locale.ROOT).endsWith(".mcap") 
                && !out.contains("://");
    }

    /** The ROS messages of each frame's results, for the MCAP and Foxglove outputs (one encoder per output). */
    private ResultMessages resultMessages(ModelInfo model, FrameSource src) throws Exception {
        return new ResultMessages(model.inputWidth(), model.inputHeight(), intrinsics(model, src),
                src.frameId().isEmpty() ? "camera" : src.frameId(), model.classNames());
    }

    /**
     * Intrinsics of the class-id and depth maps for MCAP's CameraInfo: the {@code --calib} camera brought to the
     * model's input size, else the source's own camera (a synthetic drive's, square pixels: the camera its depth was
     * {@link #depthScale scaled} for), else the focal length the model was trained at, with the principal point at
     * the centre (zeros, ROS's "uncalibrated", when the model does not say).
     */
    private ResultMessages.Intrinsics intrinsics(ModelInfo model, FrameSource src) throws Exception {
        int w = model.inputWidth();
        int h = model.inputHeight();
        if (calib != null) {
            CameraCalibration camera = calibration();
            double sx = (double) w / camera.width();
            double sy = (double) h / camera.height();
            // calibration files put pixel centres at +0.5 (calibration/README.md); ROS's K at integers
            return new ResultMessages.Intrinsics(camera.fx() * sx, camera.fy() * sy, camera.cx() * sx - 0.5,
                    camera.cy() * sy - 0.5);
        }
        if (src.recordedCamera() != null) {
            return recordedAtInput(src.recordedCamera(), model, src.info());
        }
        if (Double.isNaN(model.focalPx())) {
            return new ResultMessages.Intrinsics(0, 0, 0, 0);
        }
        double fx = src.groundTruthFocalPx();
        if (!Double.isNaN(fx)) {
            return new ResultMessages.Intrinsics(fx * w / src.info().width(), fx * h / src.info().height(),
                    (w - 1) / 2.0, (h - 1) / 2.0);
        }
        return new ResultMessages.Intrinsics(model.focalPx(), model.focalPx(), (w - 1) / 2.0, (h - 1) / 2.0);
    }

    /**
     * The vehicle's path at the model's input size: {@code --path-width} wide, about the principal column of the
     * {@code --calib} camera or the recording's own (the centre of the picture without either).
     */
    private PipelineConfig.Path path(ModelInfo model, FrameSource src) throws Exception {
        ResultMessages.Intrinsics k = calib == null && src.recordedCamera() == null ? null : intrinsics(model, src);
        return new PipelineConfig.Path(pathWidth / 2, k == null ? Double.NaN : k.cx(), pathShape.shape);
    }

    /** Frames an intact recording may fall short of its announced count by: 2, or 1 % of a long one. */
    static long truncationTolerance(long announced) {
        return Math.max(2, announced / 100);
    }

    /**
     * Every option value and output path, before anything is opened or written: usage errors (exit 2) naming the
     * option, the value and the rule.
     */
    private void validate() throws UsageError {
        if (rotate != 0 && rotate != 180) {
            throw new UsageError("--rotate " + rotate + ": 0 or 180 (a camera mounted upside down); a picture turned "
                    + "on its side needs the source turned, as roadseg does not turn one by 90°");
        }
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new UsageError("--timeout " + timeoutSeconds + ": must be a positive number of seconds, at most "
                    + "86400 (a day)");
        }
        if (!(pathWidth >= 0.5 && pathWidth <= 20)) {
            throw new UsageError("--path-width " + pathWidth + ": must be a width in metres from 0.5 to 20");
        }
        if (caCert != null && (source == null || !source.startsWith("wss://"))
                && (publish == null || !publish.startsWith("wss://"))) {
            throw new UsageError("--ca-cert " + caCert + ": for a wss:// source or --publish wss:// only");
        }
        if (caCert != null && !java.nio.file.Files.isRegularFile(caCert)) {
            throw new UsageError("--ca-cert " + caCert + ": " + (java.nio.file.Files.isDirectory(caCert)
                    ? "is a folder, expected a PEM file" : "no such file"));
        }
        String unknown = io.roadseg.engine.InferenceEngines.unknownEngine(engine);
        if (unknown != null) {
            throw new UsageError(unknown);
        }
        if (source != null && (source.startsWith("ws://") || source.startsWith("wss://"))
                && !source.replaceFirst("^wss:", "ws:").matches(WS_URL)) {
            throw new UsageError("source " + source + ": expected ws://HOST:PORT (or wss://), e.g. "
                    + "ws://127.0.0.1:8765");
        }
        port("source", source);
        port("--serve", serve);
        port("--publish", publish);
        port("--out", out);
        port("--http", http == null ? null : "http://" + (http.matches("[0-9]+") ? "localhost:" + http : http));
        if (out != null && !isMcap(out)) {
            try {
                io.roadseg.sink.VideoWriter.muxer(out);
            } catch (io.roadseg.sink.SinkException e) {
                throw new UsageError(e.getMessage().replaceFirst("^output ", "--out "));
            }
        }
        if (motionTopic != null && pathShape != PathShape.vehicle) {
            throw new UsageError("--motion-topic " + motionTopic + ": read only with --path vehicle");
        }
        if (frames < 0) {
            throw new UsageError("--frames " + frames + ": must be >= 0 (0 = until the source ends)");
        }
        if (threads < 1 || threads > 256) {
            throw new UsageError("--threads " + threads + ": must be in 1..256");
        }
        if (bitrate < 0) {
            throw new UsageError("--bitrate " + bitrate + ": must be >= 0 bit/s (0 = automatic)");
        }
        try {
            McapFormat.Compression.parse(mcapCompression);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--mcap-compression " + mcapCompression + ": expected zstd, lz4 or none");
        }
        if (http != null && !http.matches("([^:\\[\\]]+:|\\[[0-9a-fA-F:.]+\\]:)?[0-9]{1,5}")) {
            throw new UsageError("--http " + http + ": expected PORT or HOST:PORT, e.g. 8080 or 127.0.0.1:8080");
        }
        if (serve != null && !serve.matches(WS_URL)) {
            throw new UsageError("--serve " + serve + ": expected ws://HOST:PORT, e.g. ws://127.0.0.1:8765");
        }
        if (publish != null && !publish.matches(WS_URL) && !publish.replaceFirst("^wss:", "ws:").matches(WS_URL)) {
            throw new UsageError("--publish " + publish + ": expected ws://HOST:PORT (or wss:// over TLS), e.g. "
                    + "ws://127.0.0.1:8765");
        }
        if (topic != null && topic.isBlank()) {
            throw new UsageError("--topic: empty topic name");
        }
        if (!videoSize.equals("model") && !videoSize.equals("source")
                && !videoSize.matches("[1-9][0-9]{0,4}x[1-9][0-9]{0,4}")) {
            throw new UsageError("--video-size " + videoSize + ": expected model, source or WIDTHxHEIGHT");
        }
        if (videoSize.contains("x")) {
            String[] wh = videoSize.split("x");
            int w = Integer.parseInt(wh[0]);
            int h = Integer.parseInt(wh[1]);
            if (w < 64 || h < 32 || w > 8192 || h > 4320) {
                throw new UsageError("--video-size " + videoSize + ": the whole video, both panes side by side: "
                        + "64x32 to 8192x4320 (e.g. 1920x540)");
            }
        }
        if (!(folderFps >= 0.1) || folderFps > 1000) {
            throw new UsageError("--folder-fps " + folderFps + ": must be a frame rate from 0.1 to 1000");
        }
        if (ring != null) {
            if (ring < 2 || Integer.bitCount(ring) != 1 || ring > 64) {
                throw new UsageError("--ring " + ring + ": must be a power of 2 from 2 to 64");
            }
        }
        if ("-".equals(results) && statsJson != null && "-".equals(statsJson.toString())) {
            throw new UsageError("--results - and --stats -: both to standard output would interleave JSON lines with "
                    + "the statistics; send one to a file");
        }
        if (out != null && out.matches("(?i)(udp|rtp|srt|tcp)://.*")
                && !out.matches("(?i)[a-z]+://(\\[[0-9a-fA-F:.]+\\]|[^/:\\[\\]?@]+):[0-9]+([/?].*)?")) {
            throw new UsageError("--out " + out + ": expected SCHEME://HOST:PORT, e.g. udp://127.0.0.1:5000");
        }
        if (http != null && serve != null && sameListener(http.contains(":") ? http : "127.0.0.1:" + http,
                serve.replaceFirst("^ws://", "").replaceFirst("/.*$", ""))) {
            throw new UsageError("--http " + http + " and --serve " + serve + ": one port for both; give each its "
                    + "own");
        }
        if (serve != null && publish != null && serve.replaceFirst("^ws://", "").replaceFirst("/.*$", "").equals(
                publish.replaceFirst("^wss?://", "").replaceFirst("/.*$", ""))) {
            throw new UsageError("--serve " + serve + " and --publish " + publish + ": roadseg would publish to its "
                    + "own server; give the robot's address to --publish");
        }
        if ("-".equals(hlog == null ? null : hlog.toString())) {
            throw new UsageError("--hlog -: a histogram log goes to a file (--stats - writes the statistics to "
                    + "standard output)");
        }
        new OutputPaths().input(source).input("--model", model == null ? null : model.toString())
                .input("--calib", calib == null ? null : calib.toString())
                .input("--ca-cert", caCert == null ? null : caCert.toString())
                .output("--out", out).output("--results", results)
                .output("--stats", statsJson == null ? null : statsJson.toString())
                .output("--hlog", hlog == null ? null : hlog.toString());
    }

    /**
     * Depth scale for the camera given with {@code --calib}: its focal length, brought to the model's input width,
     * over the focal length the model was trained for (metadata {@code roadseg.focal_px}). Without {@code --calib},
     * the same rule for a source that knows its own camera (a synthetic drive, a recording of one), so its depth and
     * live accuracy hold at any {@code --input-size}; else 1.
     */
    private double depthScale(ModelInfo model, FrameSource src, PrintStream err) throws Exception {
        SourceInfo source = src.info();
        CameraInfoMessage recorded = src.recordedCamera();
        if (calib == null && Double.isNaN(src.groundTruthFocalPx()) && recorded != null
                && !Double.isNaN(model.focalPx())) {
            if (recorded.width() > 0 && recorded.height() > 0
                    && (long) recorded.width() * source.height() != (long) recorded.height() * source.width()) {
                err.println("warning: " + recorded.topic() + " is for " + recorded.width() + "x" + recorded.height()
                        + " pictures but the frames are " + source.width() + "x" + source.height());
            }
            ResultMessages.Intrinsics k = recordedAtInput(recorded, model, source);
            double scale = k.fx() / model.focalPx();
            err.printf(java.util.Locale.ROOT, "depth scaled by %.4f: the recording's camera (%s), focal %.1f px at the "
                    + "model's %d px width, model trained at %.1f px%n", scale, recorded.topic(), k.fx(),
                    model.inputWidth(), model.focalPx());
            return scale;
        }
        if (calib == null) {
            double fx = src.groundTruthFocalPx();
            double scale = model.depthScaleFor(fx, source.width());
            if (Double.isNaN(scale)) {
                return 1.0;
            }
            if (Math.abs(scale - 1) > 1e-6) {
                err.printf(java.util.Locale.ROOT, "depth scaled by %.4f: the source's own camera, focal %.1f px at "
                        + "the model's %d px width, model trained at %.1f px%n", scale,
                        fx * model.inputWidth() / source.width(), model.inputWidth(), model.focalPx());
            }
            return scale;
        }
        CameraCalibration camera = calibration();
        if (Double.isNaN(model.focalPx())) {
            throw new UserError("--calib " + calib + ": model " + model.file() + " does not say the focal length it "
                    + "was trained for (metadata roadseg.focal_px), so depth cannot be scaled");
        }
        if (camera.width() * source.height() != camera.height() * source.width()) {
            err.println("warning: calibration " + calib + " is " + camera.width() + "x" + camera.height()
                    + " but the source is " + source.width() + "x" + source.height());
        }
        double focalAtModel = camera.fx() * model.inputWidth() / camera.width();
        double scale = model.depthScaleFor(camera.fx(), camera.width());
        err.printf(java.util.Locale.ROOT, "depth scaled by %.4f: camera focal %.1f px at the model's %d px width, "
                + "model trained at %.1f px%n", scale, focalAtModel, model.inputWidth(), model.focalPx());
        return scale;
    }

    /**
     * The road geometry of the camera (mount height, pitch, focal length and principal row brought to the model's
     * input height), fused with the network's depth: the {@code --calib} file's mount, else a recording's
     * {@code /tf_static} one (with the file's or the recording's K); null where neither gives a mount or with
     * {@code --no-ground-plane}.
     */
    private PipelineConfig.GroundPlane groundPlane(ModelInfo model, FrameSource src, PrintStream err)
            throws Exception {
        planeFrom = "";
        if (noGroundPlane) {
            return null;
        }
        CameraCalibration camera = calib == null ? null : calibration();
        if (camera != null && camera.hasMount()) {
            err.printf(java.util.Locale.ROOT, "depth fused with the ground plane: camera %.2f m above the road, "
                    + "pitched %.2f° down%n", camera.mountHeightM(), camera.pitchDeg());
            planeFrom = "calibration " + calib;
            return plane(intrinsics(model, src), camera.mountHeightM(), camera.pitchDeg());
        }
        // a recording that states where its camera sits (/tf_static), with the camera's K from it or from --calib
        CameraMount mount = src.recordedMount();
        if (mount == null || camera == null && src.recordedCamera() == null) {
            if (camera != null) {
                err.println("calibration " + calib + " gives no mount (mount_height_m, pitch_deg): depth scaled by "
                        + "the focal length only, not fused with the ground plane");
            }
            return null;
        }
        if (!(mount.heightM() > 0.2 && mount.heightM() < 50) || Math.abs(mount.pitchDownDeg()) > 45
                || Math.abs(mount.rollDeg()) >= 45) {
            err.println("warning: " + mount.from() + " puts " + mount.cameraFrame() + " "
                    + String.format(java.util.Locale.ROOT, "%.2f m above %s, pitched %.1f° down, rolled %.1f°",
                    mount.heightM(), mount.groundFrame(), mount.pitchDownDeg(), mount.rollDeg())
                    + ": not a camera over the road, no ground plane (give --calib"
                    + (camera != null ? " with mount_height_m and pitch_deg" : "") + ")");
            return null;
        }
        err.printf(java.util.Locale.ROOT, "depth fused with the ground plane: the recording's camera mount (%s: "
                + "%s over %s) %.2f m above the road, pitched %.2f° down%s%n", mount.from(),
                mount.cameraFrame(), mount.groundFrame(), mount.heightM(), mount.pitchDownDeg(),
                mount.groundFrame().equals("base_link") ? " (base_link taken for the ground: --calib if it is "
                        + "not)" : "");
        planeFrom = "the recording's camera mount (" + mount.from() + ")";
        return plane(intrinsics(model, src), mount.heightM(), mount.pitchDownDeg());
    }

    /** The road plane under a camera of intrinsics {@code k} at the input size (pixel centres at integers). */
    private static PipelineConfig.GroundPlane plane(ResultMessages.Intrinsics k, double height, double pitchDownDeg) {
        return new PipelineConfig.GroundPlane(k.fy(), k.cy(), height, pitchDownDeg);
    }

    /**
     * What the rectification undoes on every picture ({@link Rectification}), at the model's input size: the lens
     * distortion and roll of the {@code --calib} camera, else of the recording's own, and the 180° of
     * {@code --rotate 180}; null where there is nothing to undo or turn.
     */
    private Rectification.Lens lens(ModelInfo model, FrameSource src, PrintStream err) throws Exception {
        Rectification.Lens lens = noRectify ? null : calib == null ? recordedLens(model, src, err)
                : calibratedLens(model, src, err);
        if (rotate != 180) {
            return lens;
        }
        // a camera mounted upside down: its picture turned about the principal point, a roll of 180° (one remap,
        // with the lens where there is one to undo)
        if (lens == null) {
            // about the principal point; a model that says no focal length gives K as zeros: any focal length, the
            // centre (a pure roll's map does not depend on the focal length)
            ResultMessages.Intrinsics k = intrinsics(model, src);
            double w = model.inputWidth();
            lens = k.fx() > 0 ? new Rectification.Lens(k.fx(), k.fy(), k.cx(), k.cy(), 0, 0, 0, 0, 0, 180)
                    : new Rectification.Lens(w, w, (w - 1) / 2, (model.inputHeight() - 1) / 2.0, 0, 0, 0, 0, 0, 180);
        } else {
            lens = lens.withRoll(lens.rollDeg() + 180);
        }
        err.println("picture turned by 180° before the network (--rotate 180): every result is the upright camera's");
        return lens;
    }

    /** The {@code --calib} camera's lens and roll at the model's input size; null for a level pinhole. */
    private Rectification.Lens calibratedLens(ModelInfo model, FrameSource src, PrintStream err) throws Exception {
        CameraCalibration camera = calibration();
        ResultMessages.Intrinsics k = intrinsics(model, src); // the calibration's K at the input size
        // a file without the mount: the mount, roll included, from the recording's /tf_static (as groundPlane)
        double roll = camera.hasMount() || src.recordedMount() == null ? camera.rollDeg() : recordedRoll(src, err);
        Rectification.Lens lens = camera.lensAt(k.fx(), k.fy(), k.cx(), k.cy(), roll);
        if (lens.isPinholeAndLevel()) {
            return null;
        }
        err.println("picture rectified: the calibration's " + lens.describe() + " undone before the network; "
                + "every result is the level pinhole camera's (--no-rectify: as the camera gives it)");
        return lens;
    }

    /**
     * The lens distortion of the camera the recording states ({@link FrameSource#recordedCamera}), at the model's
     * input size; null where it states none, none to undo, or a model roadseg cannot undo (said once).
     */
    private static Rectification.Lens recordedLens(ModelInfo model, FrameSource src, PrintStream err) {
        CameraInfoMessage recorded = src.recordedCamera();
        if (recorded == null) {
            return null;
        }
        io.roadseg.preprocess.Distortion distortion;
        try {
            io.roadseg.preprocess.Distortion.fisheye(recorded.distortionModel());
        } catch (IllegalArgumentException unknown) {
            err.println(notUndone(recorded, "it undoes " + io.roadseg.preprocess.Distortion.UNDONE));
            return null;
        }
        try {
            distortion = recorded.distortion();
        } catch (IllegalArgumentException why) {
            err.println(notUndone(recorded, "d " + why.getMessage()));
            return null;
        }
        double[] d = distortion.fisheye() ? null : distortion.coefficients(); // for the fold checks below
        double[] e = distortion.fisheye() ? distortion.coefficients() : null;
        ResultMessages.Intrinsics k = recordedAtInput(recorded, model, src.info());
        double reach = d != null ? Rectification.reach(d[0], d[1], d[4], d[5], d[6], d[7])
                : Rectification.reachFisheye(e[0], e[1], e[2], e[3]);
        double corner = Rectification.cornerRadius(model.inputWidth(), model.inputHeight(), k.fx(), k.fy(),
                k.cx() + 0.5, k.cy() + 0.5);
        if (d != null ? !(corner < reach) : !Rectification.fisheyeUndoable(e[0], e[1], e[2], e[3], corner)) {
            err.printf(java.util.Locale.ROOT, "warning: %s's lens (%s %s) folds back %s: not undone%n",
                    recorded.topic(), recorded.distortionModel(), java.util.Arrays.toString(recorded.d()), d != null
                    ? String.format(java.util.Locale.ROOT, "at a normalised radius of %.2f, inside the picture "
                    + "(corners at %.2f)", reach, corner) : String.format(java.util.Locale.ROOT, "within %.0f° of "
                    + "the axis, inside the view rectified to a pinhole camera", Math.toDegrees(Math.atan(corner))));
            return null;
        }
        Rectification.Lens lens = Rectification.Lens.of(distortion, k.fx(), k.fy(), k.cx(), k.cy(),
                recordedRoll(src, err));
        if (lens.isPinholeAndLevel()) {
            return null;
        }
        err.println("picture rectified: the recording's camera (" + recorded.topic() + ") " + lens.describe()
                + " undone before the network; every result is the pinhole camera's (--no-rectify: as recorded)");
        return lens;
    }

    /** The warning for a recording whose lens roadseg does not undo, and why. */
    private static String notUndone(CameraInfoMessage recorded, String why) {
        return "warning: " + recorded.topic() + " gives the distortion model '" + recorded.distortionModel() + "' with "
                + recorded.d().length + (recorded.d().length == 1 ? " coefficient" : " coefficients") + ", which "
                + "roadseg does not undo (" + why + "): the picture goes to the network as recorded";
    }

    /**
     * The camera's roll where the recording's static transforms say how it sits; 0 without them, under 0.05° (level)
     * and beyond the ±45° a calibration file may give (a camera turned on its side, whose picture a roll would turn
     * out of view: said once).
     */
    private static double recordedRoll(FrameSource src, PrintStream err) {
        CameraMount mount = src.recordedMount();
        double roll = mount == null || Math.abs(mount.rollDeg()) < 0.05 ? 0 : mount.rollDeg();
        if (Math.abs(roll) >= 45) {
            err.printf(java.util.Locale.ROOT, "warning: %s puts %s rolled %.1f°: not undone (a calibration's roll is "
                    + "within ±45°)%n", mount.from(), mount.cameraFrame(), roll);
            return 0;
        }
        return roll;
    }

    /**
     * A recording's own camera (ROS's K, pixel centres at integers) brought to the model's input size; where the
     * CameraInfo does not say the image size it is for, the frames' own.
     */
    static ResultMessages.Intrinsics recordedAtInput(CameraInfoMessage c, ModelInfo model, SourceInfo source) {
        double sx = (double) model.inputWidth() / (c.width() > 0 ? c.width() : source.width());
        double sy = (double) model.inputHeight() / (c.height() > 0 ? c.height() : source.height());
        return new ResultMessages.Intrinsics(c.fx() * sx, c.fy() * sy, (c.cx() + 0.5) * sx - 0.5,
                (c.cy() + 0.5) * sy - 0.5);
    }

    /**
     * What to do about a picture the checks after the network found turned or smeared, a line for each; null where
     * none was.
     */
    static String cameraAdvice(io.roadseg.preprocess.CameraIssueCounts counts) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        long down = counts.frames(io.roadseg.preprocess.CameraIssue.UPSIDE_DOWN);
        long side = counts.frames(io.roadseg.preprocess.CameraIssue.SIDEWAYS);
        if (down > 0) {
            lines.add("camera: the sky lies below the road in " + down + " frames: a camera mounted upside down? "
                    + "--rotate 180 turns its picture the right way up");
        } else if (side > 0) {
            lines.add("camera: the sky lies beside the road in " + side + " frames: a picture turned on its side, "
                    + "which roadseg does not turn (turn the source, or the phone)");
        }
        long smeared = counts.frames(io.roadseg.preprocess.CameraIssue.SMEARED);
        if (smeared > 0) {
            lines.add("camera: part of the picture stayed soft while the rest was sharp in " + smeared + " frames: "
                    + "water, mud or grease on the lens? what is read there may not hold");
        }
        return lines.isEmpty() ? null : String.join(System.lineSeparator(), lines);
    }

    /** The {@code --calib} camera; a file that cannot be read or breaks a rule is the user's error. */
    private CameraCalibration calibration() throws UserError {
        try {
            return CameraCalibration.read(calib);
        } catch (java.io.IOException e) {
            throw UserError.of(e);
        }
    }

    /** A calibration whose pitch is this far, in degrees, from the one the road's horizon reads is reported. */
    static final double PITCH_WARNING_DEG = 1.0;
    /** Frames of horizon readings a calibration is checked against at least. */
    static final long HORIZON_MIN_FRAMES = 25;

    /** The pitch, degrees down, that puts the horizon at {@code row} for a camera of {@code plane}'s geometry. */
    static double pitchForHorizon(PipelineConfig.GroundPlane plane, double row) {
        return Math.toDegrees(Math.atan((plane.cy() - row) / plane.fy()));
    }

    /** The horizon row {@code plane}'s pitch puts the horizon at (pixel centres at integers). */
    static double calibratedHorizon(PipelineConfig.GroundPlane plane) {
        return plane.cy() - plane.fy() * Math.tan(Math.toRadians(plane.pitchDownDeg()));
    }

    /**
     * The warning when the road's horizon disagrees with the {@code --calib} camera's pitch by
     * {@value #PITCH_WARNING_DEG}° or more over at least {@value #HORIZON_MIN_FRAMES} frames (its ground-plane
     * distances are then off: a pitch too far down reads the far road, and what stands on it, too near); null
     * otherwise.
     */
    static String horizonWarning(PipelineConfig.GroundPlane plane, Pipeline.RoadHorizon horizon) {
        if (plane == null || horizon == null || horizon.frames() < HORIZON_MIN_FRAMES) {
            return null;
        }
        double read = pitchForHorizon(plane, horizon.row());
        if (Math.abs(read - plane.pitchDownDeg()) < PITCH_WARNING_DEG) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "the road's edges meet the horizon at row %.1f of the model's "
                + "input (median of %d frames), the calibration puts it at row %.1f: the camera looks pitched %s, not "
                + "%s as pitch_deg says, so its ground-plane distances are off (set pitch_deg to %.1f; "
                + "calibration/README.md)", horizon.row(), horizon.frames(), calibratedHorizon(plane), pitch(read),
                pitch(plane.pitchDownDeg()), read);
    }

    private static String pitch(double degreesDown) {
        return String.format(java.util.Locale.ROOT, "%.1f° %s", Math.abs(degreesDown), degreesDown < 0 ? "up" : "down");
    }

    /** {@code --stats}' {@code road_horizon}: the row read, and with {@code --calib} the pitches against each other. */
    /**
     * {@code --stats}' {@code camera_model}: the camera the run took, and where from — {@code "calibration FILE"},
     * {@code "recording TOPIC"} (with {@code "mount": "/tf_static"} where the transforms gave the ground plane), or
     * {@code "model"} (the training focal length, no geometry) — its K at the input size, the depth scale, the ground
     * plane and the lens undone (null where none), so that a run's figures can be traced to the camera they assumed.
     */
    private String cameraModelJson(PipelineConfig config, ResultMessages.Intrinsics k, FrameSource src) {
        String from = calib != null ? "calibration " + calib
                : src.recordedCamera() != null ? "recording " + src.recordedCamera().topic()
                : !Double.isNaN(src.groundTruthFocalPx()) ? "source" : "model";
        StringBuilder b = new StringBuilder("{\"from\": ").append(io.roadseg.ros.Json.quote(from));
        if (config.groundPlane() != null && !planeFrom.startsWith("calibration")) {
            b.append(", \"mount\": ").append(io.roadseg.ros.Json.quote(src.recordedMount().from()));
        }
        b.append(String.format(java.util.Locale.ROOT, ", \"fx\": %.3f, \"fy\": %.3f, \"cx\": %.3f, \"cy\": %.3f, "
                + "\"depth_scale\": %.5f", k.fx(), k.fy(), k.cx(), k.cy(), config.depthScale()));
        PipelineConfig.GroundPlane g = config.groundPlane();
        b.append(", \"ground_plane\": ").append(g == null ? "null" : String.format(java.util.Locale.ROOT,
                "{\"height_m\": %.3f, \"pitch_down_deg\": %.3f}", g.cameraHeight(), g.pitchDownDeg()));
        b.append(", \"rectified\": ").append(config.lens() == null ? "null"
                : io.roadseg.ros.Json.quote(config.lens().describe()));
        return b.append('}').toString();
    }

    static String horizonJson(PipelineConfig.GroundPlane plane, Pipeline.RoadHorizon horizon) {
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "{\"frames\": %d, \"row\": %.2f",
                horizon.frames(), horizon.row()));
        if (plane != null) {
            b.append(String.format(java.util.Locale.ROOT, ", \"pitch_down_deg\": %.3f, \"calibration_row\": %.2f, "
                    + "\"calibration_pitch_down_deg\": %.3f", pitchForHorizon(plane, horizon.row()),
                    calibratedHorizon(plane), plane.pitchDownDeg()));
        }
        return b.append('}').toString();
    }

    /** Closes in reverse order; returns the first failure with later ones suppressed into it. */
    static Throwable closeAll(List<AutoCloseable> resources) {
        Throwable first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }
}
