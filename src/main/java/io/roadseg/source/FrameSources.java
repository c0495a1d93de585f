package io.roadseg.source;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Opens a {@link FrameSource} from the URI a user typed. Stateless.
 */
public final class FrameSources {
    /** Network schemes handed to FFmpeg as live streams. */
    public static final Set<String> NETWORK_SCHEMES = Set.of("rtsp", "rtsps", "rtmp", "udp", "rtp", "tcp", "srt",
            "http", "https");

    private FrameSources() {
    }

    /**
     * A ROS 2 bag folder in MCAP storage (rosbag2's default since Iron: {@code metadata.yaml} beside the recording):
     * its one {@code .mcap} file; null for anything else (a bag in SQLite storage, a folder of pictures or a drive that
     * holds a metadata.yaml); a bag split into several is refused with what to do, one with no recording beside its
     * metadata.yaml likewise.
     */
    public static Path bagMcap(String uri, Path path) throws SourceException {
        if (!Files.isDirectory(path) || !Files.isRegularFile(path.resolve("metadata.yaml"))
                || io.roadseg.rosbag2.Rosbag2Reader.isBag(path)) { // SQLite storage: read as such
            return null;
        }
        List<Path> mcaps;
        boolean pictures;
        try (java.util.stream.Stream<Path> s = Files.list(path)) {
            List<Path> all = s.toList();
            mcaps = all.stream().filter(p -> p.getFileName().toString().endsWith(".mcap")).sorted().toList();
            pictures = all.stream().anyMatch(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT)
                    .matches(".*\\.(png|jpe?g|bmp)"));
        } catch (java.io.IOException e) {
            throw new SourceException("input " + uri + ": cannot list (" + e.getMessage() + ")");
        }
        if (mcaps.size() > 1) {
            throw new SourceException("input " + uri + ": a bag split into " + mcaps.size() + " .mcap files; "
                    + "replay them one by one (run --drives '" + path + "/*.mcap') or merge them first");
        }
        if (mcaps.isEmpty() && !pictures
                && !Files.isRegularFile(path.resolve(io.roadseg.sim.DriveRecording.MANIFEST))) {
            // a metadata.yaml without a recording rosbag2 writes (a .mcap, or a .db3 that isBag would have taken)
            throw new SourceException("input " + uri + ": a ROS 2 bag folder (metadata.yaml) without its recording: "
                    + "no .mcap file, and no .db3 that its metadata.yaml names");
        }
        return mcaps.isEmpty() ? null : mcaps.get(0);
    }

    public static FrameSource open(String uri, SourceOptions options) throws SourceException {
        if (uri == null || uri.isBlank()) {
            throw new SourceException("input: empty source name");
        }
        String scheme = scheme(uri);
        if (scheme == null || scheme.equals("file")) {
            Path path;
            try {
                path = scheme == null ? Path.of(uri) : Path.of(URI.create(uri));
            } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                throw new SourceException("input " + uri + ": not a valid " + (scheme == null ? "path" : "file URI")
                        + " (" + e.getMessage() + "; a file URI is file:///absolute/path, spaces as %20)");
            }
            if (io.roadseg.rosbag2.Rosbag2Reader.isBag(path)) {
                return McapSource.open(uri, path, options); // a ROS 2 bag (rosbag2's SQLite storage)
            }
            Path bagMcap = bagMcap(uri, path);
            if (bagMcap != null) {
                return McapSource.open(uri, bagMcap, options); // a ROS 2 bag in MCAP storage: its .mcap file
            }
            if (Files.isDirectory(path)) {
                if (Files.isRegularFile(path.resolve(io.roadseg.sim.DriveRecording.MANIFEST))) {
                    return new io.roadseg.sim.RecordingSource(uri, path, options.loop(),
                            video -> FfmpegVideoSource.open(video, video, null, false, options));
                }
                return new ImageFolderSource(uri, path, options.folderFps(), options.loop());
            }
            if (path.toString().startsWith("/dev/video")) {
                return camera(uri, path, options);
            }
            if (!Files.exists(path)) {
                throw new SourceException("input " + uri + ": no such file or folder");
            }
            if (!Files.isReadable(path)) {
                throw new SourceException("input " + uri + ": not readable (permission denied)");
            }
            try {
                if (Files.isRegularFile(path) && Files.size(path) == 0) {
                    throw new SourceException("input " + uri + ": an empty file (0 bytes), no recording in it");
                }
            } catch (java.io.IOException e) {
                throw new SourceException("input " + uri + ": cannot be read (" + e.getMessage() + ")");
            }
            if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mcap")
                    || io.roadseg.mcap.McapReader.isMcap(path) || io.roadseg.rosbag1.Rosbag1Reader.isBag(path)) {
                return McapSource.open(uri, path, options);
            }
            if (options.topic() != null) {
                throw new SourceException("input " + uri + ": --topic " + options.topic() + " applies to MCAP"
                        + " recordings only");
            }
            return FfmpegVideoSource.open(uri, path.toString(), null, false, options);
        }
        if (scheme.equals("v4l2")) {
            String device = uri.substring("v4l2://".length());
            if (device.isEmpty()) {
                device = "/dev/video0";
            }
            return camera(uri, Path.of(device), options);
        }
        if (scheme.equals("ws") || scheme.equals("wss")) {
            return FoxgloveSource.open(uri, options); // a Foxglove WebSocket server: foxglove_bridge on a robot
        }
        if (scheme.equals("sim")) {
            return new io.roadseg.sim.SimSource(uri, io.roadseg.sim.SimSource.parse(uri));
        }
        if (NETWORK_SCHEMES.contains(scheme)) {
            return FfmpegVideoSource.open(uri, uri, null, true, options);
        }
        throw new SourceException("input " + uri + ": unknown scheme '" + scheme
                + "' (use a file or folder path, file://, v4l2://, sim://, ws:// (a Foxglove WebSocket server), "
                + String.join("://, ",
                NETWORK_SCHEMES.stream().sorted().toList()) + "://)");
    }

    private static FrameSource camera(String uri, Path device, SourceOptions options) throws SourceException {
        if (!Files.exists(device)) {
            throw new SourceException("camera " + uri + ": no such device " + device);
        }
        return FfmpegVideoSource.open(uri, device.toString(), "video4linux2", true, options);
    }

    /** The URI's scheme in lower case, or null for a plain path (Windows drive letters count as paths). */
    static String scheme(String uri) {
        if (uri.regionMatches(true, 0, "file:/", 0, 6) && !uri.regionMatches(5, "//", 0, 2)) {
            return "file"; // file:/absolute/path, the form Java's own Path.toUri().toString() drops to in places
        }
        int colon = uri.indexOf("://");
        if (colon <= 1) {
            return null;
        }
        String s = uri.substring(0, colon);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return null;
            }
        }
        return s.toLowerCase(Locale.ROOT);
    }
}
