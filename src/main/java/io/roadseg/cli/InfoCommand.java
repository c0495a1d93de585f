package io.roadseg.cli;

import io.roadseg.mcap.McapReader;
import io.roadseg.mcap.Recording;
import io.roadseg.ros.CameraInfoMessage;
import io.roadseg.ros.CameraMessages;
import io.roadseg.ros.CameraMount;
import io.roadseg.ros.MotionMessages;
import io.roadseg.source.CameraPictures;
import io.roadseg.source.FoxgloveChannel;
import io.roadseg.source.FoxgloveSurvey;
import io.roadseg.source.FrameSource;
import io.roadseg.source.SourceException;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceInfo;
import io.roadseg.source.SourceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code roadseg info SOURCE}: what a recording holds. For an MCAP file or a ROS bag every channel (topic, type,
 * encodings, message count, time span and rate) with the camera topics roadseg can replay marked and their first
 * picture; for an ONNX model its metadata (what it was trained on, its held-out score, its logit adjustment); for a
 * Foxglove WebSocket server its channels marked alike and, for the marked ones, what arrived in a short listen
 * ({@link FoxgloveSurvey}); for anything else the source as {@code run} would open it.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"What a recording or model holds: for an MCAP file or a ROS bag (ROS 2: folder or .db3; ROS 1: .bag) its channels (topic, type, messages, rate) "
                + "with the camera topics roadseg replays marked '*', the vehicle's motion '~' and the camera's "
                + "calibration (CameraInfo, /tf_static) '@'; for a Foxglove WebSocket server "
                + "(ws://HOST:PORT, foxglove_bridge) its channels marked alike and what arrived on the marked ones in a "
                + "short listen (rate, bandwidth, the camera's picture); for an .onnx "
                + "model its metadata; for a video, folder or stream its size, rate and frames."})
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE",
            description = "An MCAP file, a ROS 1 or ROS 2 bag, an ONNX model, a video file, a folder or a URL.")
    String source;

    @Option(names = "--listen", paramLabel = "SECONDS", defaultValue = "2",
            description = "For a Foxglove WebSocket server (ws://HOST:PORT): how long to listen to its marked channels "
                    + "for their rate, bandwidth and first picture (0: list the channels only; default ${DEFAULT-VALUE}).")
    double listen;

    @Option(names = "--check",
            description = "For a recording (MCAP, ROS bag): read every message of every topic, each chunk decompressed "
                    + "and checked against its CRC-32, and say what is damaged or cut short (exit 1 then).")
    boolean check;

    @Option(names = "--ca-cert", paramLabel = "FILE.pem",
            description = "For a wss:// server: its TLS certificate, or the authority's that signed it, trusted beside "
                    + "the JVM's (a robot's own certificate, foxglove_bridge's certfile).")
    java.nio.file.Path caCert;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (caCert != null && !source.startsWith("wss://")) {
            throw new UsageError("--ca-cert " + caCert + ": for a wss:// server only");
        }
        if (source.startsWith("ws://") || source.startsWith("wss://")) {
            if (!(listen >= 0) || listen > 600) {
                throw new UsageError("--listen " + listen + ": expected 0 to 600 seconds");
            }
            try {
                printServer(out);
            } catch (SourceException e) {
                throw UserError.of(e);
            }
            return 0;
        }
        Path path = source.contains("://") ? null : Path.of(source);
        if (path != null && Files.isRegularFile(path) && source.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            java.util.Map<String, String> metadata;
            if (Files.size(path) == 0) {
                throw new UserError("model " + path + ": an empty file, not an ONNX model");
            }
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
        Path bagMcap = path == null ? null : FrameSources.bagMcap(source, path); // a bag in MCAP storage
        if (bagMcap != null) {
            path = bagMcap;
        }
        boolean rosbag1 = path != null && io.roadseg.rosbag1.Rosbag1Reader.isBag(path);
        if (path != null && (io.roadseg.rosbag2.Rosbag2Reader.isBag(path) || rosbag1)) {
            try (Recording r = rosbag1 ? io.roadseg.rosbag1.Rosbag1Reader.open(path)
                    : io.roadseg.rosbag2.Rosbag2Reader.open(path)) {
                print(r, out);
                return check ? check(r, out) : 0;
            } catch (IOException e) {
                throw UserError.of(e);
            }
        }
        if (path != null && Files.isRegularFile(path) && (path.toString().toLowerCase(Locale.ROOT).endsWith(".mcap")
                || McapReader.isMcap(path))) {
            try (McapReader r = McapReader.open(path)) {
                print(r, out);
                return check ? check(r, out) : 0;
            } catch (IOException e) {
                throw UserError.of(e);
            }
        }
        if (path != null && !Files.exists(path)) {
            throw new UserError("input " + source + ": no such file or folder");
        }
        if (check) {
            throw new UsageError("--check " + source + ": for a recording (MCAP, ROS bag) only");
        }
        try (FrameSource s = FrameSources.open(source, SourceOptions.defaults())) {
            SourceInfo i = s.info();
            out.printf(Locale.ROOT, "%s: %dx%d, %.2f fps, %s%s%n", i.uri(), i.width(), i.height(), i.fps(), i.codec(),
                    i.live() ? ", live" : i.frameCount() > 0 ? ", " + i.frameCount() + " frames" : "");
        }
        return 0;
    }

    static void print(Recording r, PrintStream out) {
        if (r instanceof McapReader) {
            out.printf(Locale.ROOT, "%s: MCAP, profile '%s', written by '%s', %s%n", r.file(), r.profile(),
                    r.library(), r.indexed() ? "indexed (summary read)" : "no usable index (data section scanned)");
        } else {
            out.printf(Locale.ROOT, "%s: %s bag, %s%n", r.file(), r.profile().equals("ros1") ? "ROS 1" : "ROS 2",
                    r.library());
        }
        if (r.truncation() != null) {
            out.println("  cut short: " + r.truncation());
        }
        out.printf(Locale.ROOT, "  %-1s %-36s %-34s %-9s %9s %9s %8s  %s%n", "", "topic", "type", "encoding",
                "messages", "seconds", "rate Hz", "first picture");
        boolean anyMotion = false;
        boolean anyCalibration = false;
        for (McapReader.Channel c : r.channels().values()) {
            McapReader.Schema s = r.schemaOf(c);
            String type = s == null ? "(schemaless)" : s.name();
            String mark = s == null ? "" : mark(c.topic(), s.name(), s.encoding(), s.data(), c.messageEncoding());
            int n = r.messageCount(c.id());
            long[] range = r.timeRange(c.id());
            double seconds = (range[1] - range[0]) / 1e9;
            anyMotion |= mark.equals("~");
            anyCalibration |= mark.equals("@");
            String picture = mark.equals("*") ? firstPicture(r, c, s) : null;
            out.println(String.format(Locale.ROOT, "  %-1s %-36s %-34s %-9s %9d %9.2f %8s  %s",
                    mark, c.topic(), type,
                    c.messageEncoding(), n, seconds, n > 1 && seconds > 0
                            ? String.format(Locale.ROOT, "%.2f", (n - 1) / seconds) : "-",
                    picture == null ? "" : picture).stripTrailing());
        }
        if (r.damage().count() > 0) { // met by the scan, or by reading a first picture: a replay skips it
            out.println("  damaged: " + r.damage());
        }
        legend(r.file().toString(), anyMotion, anyCalibration, out);
    }

    /**
     * Reads every message of every channel: each chunk decompressed and checked, each message located. Prints what is
     * damaged (per topic, the messages skipped) or cut short.
     *
     * @return 0 for an undamaged, complete recording, else 1
     */
    static int check(Recording r, PrintStream out) throws IOException {
        java.util.Map<Integer, Integer> skipped = r.checkEveryMessage();
        long messages = 0;
        List<String> lost = new java.util.ArrayList<>();
        for (McapReader.Channel c : r.channels().values()) {
            int n = r.messageCount(c.id());
            int k = skipped.getOrDefault(c.id(), 0);
            messages += n - k;
            if (k > 0) {
                lost.add(c.topic() + " " + k + " of " + n);
            }
        }
        if (r.damage().count() == 0 && r.truncation() == null) {
            out.printf(Locale.ROOT, "check: every message read, %d on %d topic%s; no damage%n", messages,
                    r.channels().size(), r.channels().size() == 1 ? "" : "s");
            return 0;
        }
        if (r.damage().count() > 0) {
            out.println("check: " + r.damage().count() + " damaged part" + (r.damage().count() == 1 ? "" : "s")
                    + ", the first: " + r.damage().first());
            out.println("check: messages skipped: " + (lost.isEmpty() ? "none indexed (the damaged parts were passed "
                    + "over while scanning a file without an index)" : String.join(", ", lost)) + "; " + messages
                    + " read");
        }
        if (r.truncation() != null) {
            out.println("check: cut short: " + r.truncation());
        }
        return 1;
    }

    /** A camera channel's first message as its picture's format and size. */
    private static String firstPicture(Recording r, McapReader.Channel c, McapReader.Schema s) {
        Recording.Cursor cursor = r.messages(c.id());
        try {
            if (!cursor.next()) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return "does not read (" + e.getMessage() + ")";
        }
        return CameraPictures.describe(s.name(), s.encoding(), s.data(), c.messageEncoding(), cursor.payloadArray(),
                cursor.payloadOffset(), cursor.payloadLength());
    }

    private static void legend(String source, boolean anyMotion, boolean anyCalibration, PrintStream out) {
        out.println("  * camera topic roadseg " + (source.contains("://") ? "runs on" : "replays") + ": roadseg run "
                + source + " --topic TOPIC");
        if (anyMotion) {
            out.println("  ~ vehicle motion --path vehicle follows: roadseg run " + source
                    + " --path vehicle --motion-topic TOPIC");
        }
        if (anyCalibration) {
            out.println("  @ the camera's intrinsics and mount, used without --calib (the camera topic's own "
                    + "CameraInfo; /tf_static, else /tf's first seconds, to base_footprint or base_link): run's first lines "
                    + "say what was taken");
        }
    }

    /**
     * A channel's mark in the listing: {@code *} a camera topic roadseg reads, {@code ~} the vehicle's motion,
     * {@code @} the camera's calibration or mount, or nothing.
     */
    static String mark(String topic, String schemaName, String schemaEncoding, byte[] schema, String messageEncoding) {
        try {
            if (CameraMessages.forChannel(schemaName, schemaEncoding, schema, messageEncoding) != null) {
                return "*";
            }
        } catch (CameraMessages.DecodeException | IllegalArgumentException e) {
            // a camera type whose schema does not resolve: not one roadseg reads
        }
        if (MotionMessages.isMotion(schemaName, messageEncoding)) {
            return "~";
        }
        return CameraInfoMessage.isCameraInfo(schemaName, messageEncoding)
                || CameraMount.isStaticTransforms(topic, schemaName, messageEncoding)
                || CameraMount.isTransforms(topic, schemaName, messageEncoding)
                || CameraMount.isFoxgloveTransforms(schemaName, messageEncoding) ? "@" : "";
    }

    /** A Foxglove WebSocket server's channels, and what arrived on the marked ones in a short listen. */
    private void printServer(PrintStream out) throws SourceException {
        FoxgloveSurvey.Survey survey = FoxgloveSurvey.of(source, Math.round(listen * 1000), 10_000, c -> {
            byte[] schema;
            try {
                schema = c.schemaBytes();
            } catch (IllegalArgumentException e) {
                return false;
            }
            return !mark(c.topic(), c.schemaName(), c.schemaEncoding(), schema, c.encoding()).isEmpty();
        }, caCert);
        out.printf(Locale.ROOT, "%s: Foxglove WebSocket server '%s'%s, %d channels%s%n", survey.uri(), survey.server(),
                survey.capabilities().isEmpty() ? "" : " (" + String.join(", ", survey.capabilities()) + ")",
                survey.rows().size(), listen > 0 ? String.format(Locale.ROOT,
                        "; listened %.1f s to the marked ones%s", survey.listenedSeconds(),
                        survey.closedEarly() ? " (the server closed the connection)" : "") : "");
        out.printf(Locale.ROOT, "  %-1s %-36s %-34s %-9s %9s %8s %9s  %s%n", "", "topic", "type", "encoding",
                "messages", "rate Hz", "KB/s", "first picture");
        boolean anyMotion = false;
        boolean anyCalibration = false;
        for (FoxgloveSurvey.Row row : survey.rows()) {
            FoxgloveChannel c = row.channel();
            String mark;
            try {
                mark = mark(c.topic(), c.schemaName(), c.schemaEncoding(), c.schemaBytes(), c.encoding());
            } catch (IllegalArgumentException e) {
                mark = "";
            }
            anyMotion |= mark.equals("~");
            anyCalibration |= mark.equals("@");
            double rate = row.rateHz();
            out.println(String.format(Locale.ROOT, "  %-1s %-36s %-34s %-9s %9s %8s %9s  %s", mark, c.topic(),
                    c.schemaName(),
                    c.encoding(), row.listened() ? String.valueOf(row.messages()) : "-",
                    Double.isNaN(rate) ? "-" : String.format(Locale.ROOT, "%.2f", rate),
                    row.listened() && survey.listenedSeconds() > 0 ? String.format(Locale.ROOT, "%.1f",
                            row.bytes() / 1024.0 / survey.listenedSeconds()) : "-",
                    row.picture() == null ? "" : row.picture()).stripTrailing());
        }
        legend(source, anyMotion, anyCalibration, out);
    }
}
