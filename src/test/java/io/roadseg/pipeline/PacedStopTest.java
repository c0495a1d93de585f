package io.roadseg.pipeline;

import io.roadseg.TestData;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.mcap.McapFormat;
import io.roadseg.mcap.McapWriter;
import io.roadseg.ros.CdrWriter;
import io.roadseg.ros.RosMessages;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paced replay ({@code run --pace}) of a recording whose timestamps pause for an hour (a logger paused, two drives
 * in one file): a stop asked during the pause ends the run at once, not when the pause would have ended.
 */
class PacedStopTest {
    private static final long START = 1_700_000_000_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aStopDuringAGapInTheTimestampsEndsTheRunAtOnce() throws Exception {
        Path file = recordingWithAnHourGap();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (InferenceEngine engine = InferenceEngines.open("cpu", TestData.smallModel(dir), new EngineOptions(1),
                s -> { });
             FrameSource source = FrameSources.open(file.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null);
             Pipeline pipeline = new Pipeline(source, engine, java.util.List.of(),
                     PipelineConfig.defaults(PipelineMode.PACED), stats)) {
            Future<RunResult> run = runner.submit(pipeline::run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (stats.processed() < 2) { // the two frames before the gap
                assertTrue(System.nanoTime() < deadline, "the frames before the gap were not processed in 60 s");
                assertTrue(!run.isDone(), "the run ended before the gap");
                Thread.sleep(20);
            }
            Thread.sleep(200); // capture is now waiting for the frame an hour later
            long asked = System.nanoTime();
            pipeline.requestStop();
            RunResult result = run.get(20, TimeUnit.SECONDS); // before the fix: an hour
            double seconds = (System.nanoTime() - asked) / 1e9;
            assertTrue(result.interrupted(), "the run reports the stop");
            assertNull(result.failure());
            assertTrue(seconds < 5, "the stop took " + seconds + " s");
        } finally {
            runner.shutdownNow();
        }
    }

    /** Three JPEG frames of the shipped recording, the third an hour after the second, in roadseg's own MCAP. */
    private Path recordingWithAnHourGap() throws Exception {
        Path file = dir.resolve("gap.mcap");
        try (FrameSource video = FrameSources.open("recordings/town-drive/video.mp4", SourceOptions.defaults());
             OutputStream out = Files.newOutputStream(file);
             McapWriter w = new McapWriter(out, "ros2", "test", McapFormat.Compression.NONE, 1 << 20)) {
            int schema = w.addSchema(RosMessages.COMPRESSED_IMAGE, "ros2msg",
                    RosMessages.definitionBytes(RosMessages.COMPRESSED_IMAGE));
            int channel = w.addChannel(schema, "/cam", "cdr", Map.of());
            CdrWriter cdr = new CdrWriter(1 << 20);
            ByteBuffer bgr = ByteBuffer.allocateDirect(video.info().frameBytes());
            long[] times = {START, START + 33_333_333L, START + 3_600_000_000_000L};
            for (int i = 0; i < times.length; i++) {
                assertTrue(video.read(bgr) != FrameSource.END_OF_STREAM);
                Path jpeg = dir.resolve(i + ".jpg");
                try (BytePointer p = new BytePointer(bgr);
                     Mat m = new Mat(video.info().height(), video.info().width(), CV_8UC3, p)) {
                    assertTrue(imwrite(jpeg.toString(), m));
                }
                byte[] bytes = Files.readAllBytes(jpeg);
                cdr.begin().header(times[i], "cam".getBytes(StandardCharsets.US_ASCII));
                cdr.string("jpeg").uint8Sequence(bytes, 0, bytes.length);
                w.write(channel, times[i], times[i], cdr.array(), 0, cdr.size());
            }
        }
        return file;
    }
}
