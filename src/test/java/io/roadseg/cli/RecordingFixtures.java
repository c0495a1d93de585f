package io.roadseg.cli;

import io.roadseg.NodeReference;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recording tests' inputs: the shipped drive's first frames as files, and the fixture script run on them. */
final class RecordingFixtures {
    /** The frames as JPEG files and raw BGR files ({@code size.txt} beside them), and their size. */
    record Frames(Path jpegs, Path raw, int width, int height) {
    }

    private RecordingFixtures() {
    }

    /** Writes the first {@code count} frames of the shipped recording under {@code dir}. */
    static Frames write(Path dir, int count) throws Exception {
        Path jpegs = Files.createDirectories(dir.resolve("jpegs"));
        Path raw = Files.createDirectories(dir.resolve("raw"));
        int width;
        int height;
        try (FrameSource s = FrameSources.open("recordings/town-drive/video.mp4", SourceOptions.defaults())) {
            width = s.info().width();
            height = s.info().height();
            ByteBuffer bgr = ByteBuffer.allocateDirect(s.info().frameBytes());
            for (int i = 0; i < count; i++) {
                assertTrue(s.read(bgr) != FrameSource.END_OF_STREAM);
                byte[] b = new byte[s.info().frameBytes()];
                bgr.get(0, b);
                Files.write(raw.resolve(String.format("%03d.bgr", i)), b);
                try (BytePointer p = new BytePointer(bgr); Mat m = new Mat(height, width,
                        org.bytedeco.opencv.global.opencv_core.CV_8UC3, p)) {
                    assertTrue(imwrite(jpegs.resolve(String.format("%03d.jpg", i)).toString(), m));
                }
            }
        }
        Files.writeString(raw.resolve("size.txt"), width + " " + height);
        return new Frames(jpegs, raw, width, height);
    }

    /**
     * The frames as an H.264 stream without B-frames (the project's encoder, keyframe every {@code gop} frames) in an
     * MPEG-TS file, and its packets one file each in {@code packets} (Annex B, decode order = display order).
     *
     * @return the pictures FFmpeg decodes from the file, in order: what each packet's picture must be
     */
    static List<byte[]> h264(Frames frames, Path dir, Path packets, int gop) throws Exception {
        Path ts = dir.resolve("drive-" + gop + ".ts");
        int w = frames.width();
        int h = frames.height();
        List<Path> raw;
        try (java.util.stream.Stream<Path> list = Files.list(frames.raw())) {
            raw = list.filter(f -> f.toString().endsWith(".bgr")).sorted().toList();
        }
        try (org.bytedeco.javacv.FFmpegFrameRecorder r = new org.bytedeco.javacv.FFmpegFrameRecorder(ts.toString(),
                w, h, 0)) {
            r.setFormat("mpegts");
            r.setVideoCodecName(io.roadseg.sink.H264Encoders.choose(io.roadseg.sink.H264Encoders.AUTO));
            r.setFrameRate(30);
            r.setGopSize(gop);
            r.setVideoOption("bf", "0"); // no B-frames, as Foxglove's CompressedVideo requires
            r.start();
            try (org.bytedeco.javacv.Frame f = new org.bytedeco.javacv.Frame(w, h,
                    org.bytedeco.javacv.Frame.DEPTH_UBYTE, 3)) {
                for (Path p : raw) {
                    ((ByteBuffer) f.image[0]).put(0, Files.readAllBytes(p));
                    r.record(f, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24);
                }
            }
            r.stop();
        }
        Files.createDirectories(packets);
        int count = 0;
        try (org.bytedeco.javacv.FFmpegFrameGrabber g = new org.bytedeco.javacv.FFmpegFrameGrabber(ts.toString())) {
            g.start();
            org.bytedeco.ffmpeg.avcodec.AVPacket p;
            while ((p = g.grabPacket()) != null) {
                byte[] b = new byte[p.size()];
                p.data().capacity(p.size()).get(b);
                Files.write(packets.resolve(String.format("%03d.h264", count++)), b);
            }
            g.stop();
        }
        List<byte[]> truth = decodedFrames(ts);
        assertTrue(count == raw.size() && truth.size() == raw.size(), "one packet and one picture per frame: " + count
                + ", " + truth.size() + " of " + raw.size());
        return truth;
    }

    /** Every frame of a video file as the file source decodes it (FFmpeg), in display order. */
    static List<byte[]> decodedFrames(Path video) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        try (FrameSource s = FrameSources.open(video.toString(), SourceOptions.defaults())) {
            ByteBuffer b = ByteBuffer.allocateDirect(s.info().frameBytes());
            while (s.read(b) != FrameSource.END_OF_STREAM) {
                byte[] a = new byte[s.info().frameBytes()];
                b.get(0, a);
                frames.add(a);
            }
        }
        return frames;
    }

    /**
     * Runs the fixture script ({@code make-fixture.mjs}: an MCAP file, or with {@code --rosbag2} a bag folder) on the
     * frames, the first stamped {@code start}, {@code period} apart; returns {@code out}.
     */
    static Path fixture(Frames frames, Path out, long start, long period, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--out", out.toString(), "--jpegs", frames.jpegs().toString(),
                "--raw", frames.raw().toString(), "--start-ns", Long.toString(start), "--period-ns",
                Long.toString(period)));
        a.addAll(List.of(args));
        NodeReference.run("make-fixture.mjs", a.toArray(new String[0]));
        return out;
    }
}
