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
