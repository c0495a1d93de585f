package io.roadseg.cli;

import io.roadseg.mcap.McapReader;
import io.roadseg.ros.CameraInfoMessage;
import io.roadseg.ros.CameraMessages;
import io.roadseg.ros.CameraMount;
import io.roadseg.ros.MotionMessages;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceInfo;
import io.roadseg.source.SourceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code roadseg info SOURCE}: what a recording holds. For an MCAP file every channel (topic, type, encodings,
 * message count, time span and rate) with the camera topics roadseg can replay marked; for an ONNX model its
 * metadata (what it was trained on, its held-out score, its logit adjustment); for anything else the source as
 * {@code run} would open it.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"What a recording or model holds: for an MCAP file its channels (topic, type, messages, rate) "
                + "with the camera topics roadseg replays marked '*', the vehicle's motion '~' and the camera's "
                + "calibration (CameraInfo, /tf_static) '@'; for an .onnx "
                + "model its metadata; for a video, folder or stream its size, rate and frames."})
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE",
            description = "An MCAP file, an ONNX model, a video file, a folder or a URL.")
    String source;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path path = source.contains("://") ? null : Path.of(source);
        if (path != null && Files.isRegularFile(path) && source.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            java.util.Map<String, String> metadata;
            try {
                metadata = io.roadseg.model.OnnxWeightsReader.readMetadata(path);
            } catch (IOException e) {
                throw new UserError(e.getMessage().replaceFirst("^checkpoint ", "model "));
            }
            out.printf(Locale.ROOT, "%s: ONNX model, %,d bytes, %s%n", path, Files.size(path),
                    metadata.containsKey(io.roadseg.model.ModelContract.FORMAT) ? "roadseg metadata:"
                            : "no roadseg metadata (roadseg runs only models with it)");
            for (java.util.Map.Entry<String, String> e : metadata.entrySet()) {
                out.printf(Locale.ROOT, "  %-28s %s%n", e.getKey(), e.getValue());
            }
            return 0;
        }
        if (path != null && Files.isRegularFile(path) && (source.toLowerCase(Locale.ROOT).endsWith(".mcap")
                || McapReader.isMcap(path))) {
            try (McapReader r = McapReader.open(path)) {
                print(r, out);
            } catch (IOException e) {
                throw new UserError(e.getMessage());
            }
            return 0;
        }
        if (path != null && !Files.exists(path)) {
            throw new UserError("input " + source + ": no such file or folder");
        }
        try (FrameSource s = FrameSources.open(source, SourceOptions.defaults())) {
            SourceInfo i = s.info();
            out.printf(Locale.ROOT, "%s: %dx%d, %.2f fps, %s%s%n", i.uri(), i.width(), i.height(), i.fps(), i.codec(),
                    i.live() ? ", live" : i.frameCount() > 0 ? ", " + i.frameCount() + " frames" : "");
        }
        return 0;
    }

    static void print(McapReader r, PrintStream out) {
        out.printf(Locale.ROOT, "%s: MCAP, profile '%s', written by '%s', %s%n", r.file(), r.profile(), r.library(),
                r.indexed() ? "indexed (summary read)" : "no usable index (data section scanned)");
        if (r.truncation() != null) {
            out.println("  cut short: " + r.truncation());
        }
        out.printf(Locale.ROOT, "  %-1s %-36s %-34s %-9s %9s %9s %8s%n", "", "topic", "type", "encoding", "messages",
                "seconds", "rate Hz");
        boolean anyMotion = false;
        boolean anyCalibration = false;
        for (McapReader.Channel c : r.channels().values()) {
            McapReader.Schema s = r.schemaOf(c);
            String type = s == null ? "(schemaless)" : s.name();
            boolean camera;
            try {
                camera = s != null && CameraMessages.forChannel(s.name(), s.encoding(), s.data(),
                        c.messageEncoding()) != null;
            } catch (CameraMessages.DecodeException e) {
                camera = false;
            }
            int n = r.messageCount(c.id());
            long[] range = r.timeRange(c.id());
            double seconds = (range[1] - range[0]) / 1e9;
            boolean motion = s != null && MotionMessages.isMotion(s.name(), c.messageEncoding());
            anyMotion |= motion;
            boolean calibration = s != null && (CameraInfoMessage.isCameraInfo(s.name(), c.messageEncoding())
                    || CameraMount.isStaticTransforms(c.topic(), s.name(), c.messageEncoding())
                    || CameraMount.isFoxgloveTransforms(s.name(), c.messageEncoding()));
            anyCalibration |= calibration;
            out.printf(Locale.ROOT, "  %-1s %-36s %-34s %-9s %9d %9.2f %8s%n",
                    camera ? "*" : motion ? "~" : calibration ? "@" : "",
                    c.topic(), type,
                    c.messageEncoding(), n, seconds, n > 1 && seconds > 0
                            ? String.format(Locale.ROOT, "%.2f", (n - 1) / seconds) : "-");
        }
        out.println("  * camera topic roadseg replays: roadseg run " + r.file() + " --topic TOPIC");
        if (anyMotion) {
            out.println("  ~ vehicle motion --path vehicle follows: roadseg run " + r.file()
                    + " --path vehicle --motion-topic TOPIC");
        }
        if (anyCalibration) {
            out.println("  @ the camera's intrinsics and mount, used without --calib (the camera topic's own "
                    + "CameraInfo; /tf_static to base_footprint or base_link): run's first lines say what was taken");
        }
    }
}
