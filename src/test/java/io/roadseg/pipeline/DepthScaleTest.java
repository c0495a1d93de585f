package io.roadseg.pipeline;

import io.roadseg.TestData;
import io.roadseg.cli.Cli;
import io.roadseg.engine.EngineOptions;
import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.InferenceEngines;
import io.roadseg.sink.CallbackSink;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A camera whose focal length differs from the training one sees depth scaled by the ratio of the two. */
class DepthScaleTest {
    @TempDir
    Path dir;

    private float[] firstFrameDepth(Path model, double scale) throws Exception {
        float[][] depth = new float[1][];
        try (InferenceEngine engine = InferenceEngines.open("cpu", model, new EngineOptions(2), s -> { });
             FrameSource source = FrameSources.open(TestData.anyDrive().toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null)) {
            CallbackSink sink = new CallbackSink("depth", f -> {
                if (f.frameIndex() == 0) {
                    depth[0] = new float[f.depth().remaining()];
                    f.depth().get(0, depth[0]);
                }
            });
            PipelineConfig config = PipelineConfig.defaults(PipelineMode.EVERY_FRAME).withMaxFrames(3)
                    .withDepthScale(scale);
            try (Pipeline p = new Pipeline(source, engine, List.of(sink), config, stats)) {
                p.run();
            }
        }
        return depth[0];
    }

    @Test
    void depthIsMultipliedByTheFocalLengthRatio() throws Exception {
        Path model = TestData.smallModel(dir);
        float[] plain = firstFrameDepth(model, 1.0);
        float[] scaled = firstFrameDepth(model, 1.25);
        for (int i = 0; i < plain.length; i += 97) {
            assertEquals(plain[i] * 1.25f, scaled[i], 1e-4f * plain[i], "pixel " + i);
        }
    }

    @Test
    void theRunCommandDerivesTheScaleFromTheCalibration() throws Exception {
        Path model = TestData.smallModel(dir);
        Cli.Outcome o = Cli.run("run", TestData.anyDrive().toString(), "--model", model.toString(), "--frames", "2",
                "--calib", "calibration/camvid-480x360.yaml", "--input-size", "model", "-q");
        assertEquals(0, o.exit(), o.stderr());
        // fx 400 at 480 px brought to the model's 240 px is 200 px; the model was trained at 380 px
        assertTrue(o.stderr().contains("depth scaled by 0.5263"), o.stderr());
    }

    /**
     * A synthetic drive knows its camera (fx 400 px at 480 px): run at 640x480, the shipped model sees it through a
     * 533 px focal length and its depth is scaled by 4/3, in {@code run} and in {@code eval --drive} alike. Unscaled,
     * its AbsRel there is about 0.25 against 0.06 at the native size.
     */
    @Test
    void aSourceThatKnowsItsCameraHasItsDepthScaledAtAnyInputSize() throws Exception {
        String drive = "sim://town?seed=999&frames=2";
        Cli.Outcome run = Cli.run("run", drive, "--input-size", "640x480", "--frames", "2", "-q");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("depth scaled by 1.3333: the source's own camera"), run.stderr());
        Path json = dir.resolve("eval.json");
        Cli.Outcome eval = Cli.run("eval", "--drive", drive, "--input-size", "640x480", "--json", json.toString());
        assertEquals(0, eval.exit(), eval.stderr());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"abs_rel\": ([0-9.]+)")
                .matcher(java.nio.file.Files.readString(json));
        assertTrue(m.find(), json.toString());
        double absRel = Double.parseDouble(m.group(1));
        assertTrue(absRel < 0.10, "AbsRel at 640x480 " + absRel);
        // at the source's own width nothing is scaled
        Cli.Outcome plain = Cli.run("run", drive, "--frames", "2", "-q");
        assertEquals(0, plain.exit(), plain.stderr());
        assertTrue(!plain.stderr().contains("depth scaled"), plain.stderr());
    }

    @Test
    void aRecordingKnowsItsCameraFromItsCalibrationAndAVideoDoesNot() throws Exception {
        try (FrameSource recording = FrameSources.open("recordings/town-drive", SourceOptions.defaults());
             FrameSource video = FrameSources.open("recordings/town-drive/video.mp4", SourceOptions.defaults())) {
            // calibration.yaml: fx 400 at 480 px wide, the video 480 px wide
            assertEquals(400.0 * recording.info().width() / 480, recording.groundTruthFocalPx(), 1e-9);
            assertTrue(Double.isNaN(video.groundTruthFocalPx()));
        }
    }
}
