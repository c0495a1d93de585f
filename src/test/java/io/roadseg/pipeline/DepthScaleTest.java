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
}
