package io.roadseg.cli;

import io.roadseg.mcap.McapFormat;
import io.roadseg.sink.H264Encoders;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import io.roadseg.mcap.McapWriter;
import io.roadseg.ros.CdrWriter;
import io.roadseg.ros.RosMessages;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * {@code bench --mcap}, part (e): what replaying camera frames from MCAP costs over decoding the same JPEG files from
 * a folder. The same JPEG bytes go into both (files, and {@code sensor_msgs/msg/CompressedImage} messages in zstd
 * chunks); the two replays alternate round by round and the medians are compared, so the machine's noise hits both.
 * A third replay in the same rounds: the same frames as an H.264 stream (no B-frames, a keyframe a second), one
 * frame's packet per {@code foxglove_msgs/msg/CompressedVideo} message, as a video recorder keeps a camera.
 */
final class McapBench {
    private McapBench() {
    }

    static void replay(String source, int frames, int warmup, int rounds, Path scratch, PrintStream out,
                       PrintStream err) throws Exception {
        Path folder = Files.createDirectories(scratch.resolve("jpegs"));
        Path mcap = scratch.resolve("frames.mcap");
        int width;
        int height;
        try (FrameSource src = FrameSources.open(source, SourceOptions.defaults().withLoop(true));
             OutputStream file = new BufferedOutputStream(Files.newOutputStream(mcap), 1 << 16);
             McapWriter writer = new McapWriter(file, "ros2", "roadseg bench", McapFormat.Compression.ZSTD,
                     McapWriter.DEFAULT_CHUNK_BYTES)) {
            width = src.info().width();
            height = src.info().height();
            int schema = writer.addSchema(RosMessages.COMPRESSED_IMAGE, "ros2msg",
                    RosMessages.definitionBytes(RosMessages.COMPRESSED_IMAGE));
            int channel = writer.addChannel(schema, "/camera/compressed", "cdr", Map.of());
            CdrWriter cdr = new CdrWriter(1 << 20);
            byte[] frameId = "camera".getBytes(StandardCharsets.US_ASCII);
            try (Mat frame = new Mat(height, width, CV_8UC3)) {
                ByteBuffer pixels = frame.data().capacity((long) width * height * 3).asByteBuffer();
                for (int i = 0; i < frames; i++) {
                    src.read(pixels);
                    try (BytePointer jpeg = new BytePointer()) {
                        imencode(".jpg", frame, jpeg);
                        byte[] bytes = new byte[(int) jpeg.limit()];
                        jpeg.get(bytes);
                        Files.write(folder.resolve(String.format(Locale.ROOT, "%06d.jpg", i)), bytes);
                        long stamp = i * 40_000_000L;
                        cdr.begin().header(stamp, frameId).string("jpeg").uint8Sequence(bytes, 0, bytes.length);
                        writer.write(channel, stamp, stamp, cdr.array(), 0, cdr.size());
                    }
                }
            }
        }
        Path video = videoMcap(folder, frames, width, height, scratch);
        List<Double> folderMs = new ArrayList<>();
        List<Double> mcapMs = new ArrayList<>();
        List<Double> videoMs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            folderMs.add(perFrameMs(folder.toString(), warmup));
            mcapMs.add(perFrameMs(mcap.toString(), warmup));
            videoMs.add(perFrameMs(video.toString(), warmup));
            err.printf(Locale.ROOT, "  (e) replay round %d: folder %.3f ms/frame, MCAP %.3f ms/frame, MCAP H.264 "
                    + "%.3f ms/frame%n", r + 1, folderMs.get(r), mcapMs.get(r), videoMs.get(r));
        }
        double f = median(folderMs);
        double m = median(mcapMs);
        double v = median(videoMs);
        out.printf(Locale.ROOT, "(e) replay of %d JPEG frames %dx%d: folder of files %.3f ms/frame, MCAP (zstd "
                        + "chunks, indexed) %.3f ms/frame: MCAP adds %+.3f ms per frame (ratio %.3f); the same frames "
                        + "as H.264 in MCAP (foxglove_msgs/msg/CompressedVideo) %.3f ms/frame (ratio to the JPEG MCAP "
                        + "%.3f)%n", frames, width, height, f, m, m - f, m / f, v, v / m);
    }

    /**
     * The folder's frames encoded as one H.264 stream (the video writer's encoder, no B-frames, a keyframe every 25
     * frames), its packets one per {@code foxglove_msgs/msg/CompressedVideo} message in an MCAP file (zstd chunks).
     */
    private static Path videoMcap(Path folder, int frames, int width, int height, Path scratch) throws Exception {
        Path ts = scratch.resolve("frames.ts");
        try (FrameSource src = FrameSources.open(folder.toString(), SourceOptions.defaults());
             FFmpegFrameRecorder r = new FFmpegFrameRecorder(ts.toString(), width, height, 0);
             Frame frame = new Frame(width, height, Frame.DEPTH_UBYTE, 3)) {
            r.setFormat("mpegts");
            r.setVideoCodecName(H264Encoders.choose(H264Encoders.AUTO));
            r.setFrameRate(25);
            r.setGopSize(25);
            r.setVideoOption("bf", "0");
            r.start();
            ByteBuffer pixels = (ByteBuffer) frame.image[0];
            while (src.read(pixels) != FrameSource.END_OF_STREAM) {
                r.record(frame, AV_PIX_FMT_BGR24);
            }
            r.stop();
        }
        Path mcap = scratch.resolve("video.mcap");
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(ts.toString());
             OutputStream file = new BufferedOutputStream(Files.newOutputStream(mcap), 1 << 16);
             McapWriter writer = new McapWriter(file, "ros2", "roadseg bench", McapFormat.Compression.ZSTD,
                     McapWriter.DEFAULT_CHUNK_BYTES)) {
            int schema = writer.addSchema(RosMessages.ROS_FOXGLOVE_COMPRESSED_VIDEO, "ros2msg",
                    RosMessages.definitionBytes(RosMessages.ROS_FOXGLOVE_COMPRESSED_VIDEO));
            int channel = writer.addChannel(schema, "/camera/video", "cdr", Map.of());
            CdrWriter cdr = new CdrWriter(1 << 20);
            byte[] frameId = "camera".getBytes(StandardCharsets.US_ASCII);
            g.start();
            AVPacket p;
            for (int i = 0; (p = g.grabPacket()) != null; i++) {
                byte[] bytes = new byte[p.size()];
                p.data().capacity(p.size()).get(bytes);
                long stamp = i * 40_000_000L;
                cdr.begin().header(stamp, frameId).uint8Sequence(bytes, 0, bytes.length).string("h264");
                writer.write(channel, stamp, stamp, cdr.array(), 0, cdr.size());
            }
            g.stop();
        }
        return mcap;
    }

    /** Reads every frame of a source; returns the mean time per frame after the warm-up, in ms. */
    private static double perFrameMs(String source, int warmup) throws Exception {
        try (FrameSource src = FrameSources.open(source, SourceOptions.defaults())) {
            ByteBuffer buf = ByteBuffer.allocateDirect(src.info().frameBytes());
            for (int i = 0; i < warmup; i++) {
                src.read(buf);
            }
            long t0 = System.nanoTime();
            int n = 0;
            while (src.read(buf) != FrameSource.END_OF_STREAM) {
                n++;
            }
            return (System.nanoTime() - t0) / 1e6 / Math.max(1, n);
        }
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }
}
