package io.roadseg.pipeline;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import io.roadseg.model.FcnArchitecture;
import io.roadseg.model.FcnWeights;
import io.roadseg.model.ModelContract;
import io.roadseg.model.OnnxModelWriter;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.engine.InferenceException;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.TensorBinding;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import io.roadseg.stats.Stage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real-time policy under an artificially slow inference stage (the real engine plus a sleep): a camera-like
 * source drops and counts frames instead of queueing them, so latency stays bounded; replay loses nothing.
 */
class DropPolicyTest {
    @TempDir
    Path dir;

    /** The real ONNX Runtime engine, slowed down by a fixed delay per frame. */
    private static final class SlowEngine implements InferenceEngine {
        private final InferenceEngine inner;
        private final long delayMillis;

        SlowEngine(InferenceEngine inner, long delayMillis) {
            this.inner = inner;
            this.delayMillis = delayMillis;
        }

        @Override
        public String backend() {
            return "slow-" + inner.backend();
        }

        @Override
        public String describe() {
            return inner.describe() + " + " + delayMillis + " ms";
        }

        @Override
        public ModelInfo model() {
            return inner.model();
        }

        @Override
        public TensorBinding allocate() throws InferenceException {
            return inner.allocate();
        }

        @Override
        public long infer(TensorBinding binding) throws InferenceException {
            long t = inner.infer(binding);
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return t + delayMillis * 1_000_000;
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void pacedSourceDropsStaleFramesAndKeepsLatencyBoundedBehindASlowStage() throws Exception {
        Path drive = TestData.anyDrive();
        try (InferenceEngine engine = new SlowEngine(InferenceEngines.open("cpu", TestData.smallModel(dir),
                new EngineOptions(1), s -> { }), 120);
             FrameSource source = FrameSources.open(drive.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null)) {
            PipelineConfig config = PipelineConfig.defaults(PipelineMode.PACED).withMaxFrames(100);
            try (Pipeline pipeline = new Pipeline(source, engine, List.of(), config, stats)) {
                RunResult result = pipeline.run();
                assertNull(result.failure());
            }
            stats.finish();
            long lost = stats.droppedAtCapture() + stats.skippedStale();
            assertTrue(lost > 30, "frames dropped or skipped: " + lost);
            assertTrue(stats.processed() < 60, "processed " + stats.processed() + " of ~100 at ~8 fps inference");
            assertEquals(stats.captured(), stats.processed() + lost, "every captured frame is processed or counted");
            assertEquals(100, stats.captured(), "--frames 100 is the source's first 100 frames, dropped ones included");
            // Without dropping, 100 frames at 25 fps behind a 120 ms stage would queue for seconds.
            long max = stats.total(Stage.END_TO_END).getMaxValue();
            assertTrue(max < 1_000_000_000L, "end-to-end max " + max / 1e6 + " ms");
        }
    }

    @Test
    void everyFrameReplayProcessesAllFramesBehindASlowStage() throws Exception {
        Path drive = TestData.anyDrive();
        try (InferenceEngine engine = new SlowEngine(InferenceEngines.open("cpu", TestData.smallModel(dir),
                new EngineOptions(1), s -> { }), 30);
             FrameSource source = FrameSources.open(drive.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null)) {
            PipelineConfig config = PipelineConfig.defaults(PipelineMode.EVERY_FRAME).withMaxFrames(40);
            try (Pipeline pipeline = new Pipeline(source, engine, List.of(), config, stats)) {
                assertNull(pipeline.run().failure());
            }
            assertEquals(40, stats.processed());
            assertEquals(0, stats.droppedAtCapture() + stats.skippedStale());
        }
    }

    /**
     * {@code run --pace} behind a model several times slower than the camera (a wide random-weight network at
     * 544x960 on one thread, a few hundred ms a frame against the 40 ms frame interval): the whole clip is decoded,
     * many frames are dropped at capture by policy, and the run succeeds. Frames dropped on purpose are not a
     * damaged input.
     */
    @Test
    void aPacedRunThatDropsFramesIsNotReportedAsATruncatedInput() throws Exception {
        Path drive = TestData.anyDrive();
        FcnArchitecture wide = FcnArchitecture.defaults().withInputSize(544, 960).withChannels(64, 128, 256, 512);
        Path model = dir.resolve("wide.onnx");
        OnnxModelWriter.write(FcnWeights.random(wide, 5), ModelContract.defaultMetadata(wide, "slow test model"),
                model);
        Path stats = dir.resolve("paced.json");
        Cli.Outcome run = Cli.run("run", drive.toString(), "--pace", "--model", model.toString(), "--threads", "1",
                "--stats", stats.toString(), "-q");
        String json = Files.readString(stats);
        Matcher m = Pattern.compile("\"captured\": (\\d+), \"processed\": \\d+, \"dropped_at_capture\": (\\d+)")
                .matcher(json);
        assertTrue(m.find(), json);
        long captured = Long.parseLong(m.group(1));
        long dropped = Long.parseLong(m.group(2));
        Assumptions.assumeTrue(dropped * 5 > captured, "this machine ran the wide model nearly in real time ("
                + dropped + " of " + captured + " dropped at capture); nothing to check");
        assertEquals(0, run.exit(), "dropped " + dropped + " of " + captured + " by policy: " + run.stderr());
    }
}
