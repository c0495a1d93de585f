package io.roadseg.sim;

import io.roadseg.engine.InferenceEngine;
import io.roadseg.engine.ModelInfo;
import io.roadseg.engine.SegmentationOutput;
import io.roadseg.engine.TensorBinding;
import io.roadseg.pipeline.Pipeline;
import io.roadseg.pipeline.PipelineConfig;
import io.roadseg.pipeline.PipelineMode;
import io.roadseg.source.FrameSource;
import io.roadseg.source.FrameSources;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A drive written to disk replays with its exact ground truth, through the pipeline's own file source. */
class DriveRecordingTest {
    @TempDir
    Path dir;

    private static final CameraCalibration CAMERA =
            new CameraCalibration("test", 240, 176, 200, 200, 120, 88, 0, 0, 0, 0, 1.4, 2, 0);
    private static final SimDrive DRIVE = new SimDrive("town", 4, 30, 25, 36, CAMERA);

    @Test
    void aRecordingReplaysWithItsExactGroundTruth() throws Exception {
        Path folder = dir.resolve("drive");
        DriveRecording.write(DRIVE, folder, 500_000, i -> { });
        int n = CAMERA.width() * CAMERA.height();
        byte[] bgr = new byte[n * 3];
        byte[] ids = new byte[n];
        float[] depth = new float[n];
        TownScene town = DRIVE.buildScene();
        RoadSceneRenderer renderer = new RoadSceneRenderer(CAMERA);
        try (FrameSource s = FrameSources.open(folder.toString(), SourceOptions.defaults())) {
            assertTrue(s.hasGroundTruth());
            ByteBuffer pixels = ByteBuffer.allocateDirect(n * 3);
            ByteBuffer truthIds = ByteBuffer.allocateDirect(n);
            FloatBuffer truthDepth = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
            int frames = 0;
            while (s.read(pixels) != FrameSource.END_OF_STREAM) {
                s.readGroundTruth(truthIds, truthDepth);
                DRIVE.render(town, renderer, frames, bgr, ids, depth);
                for (int i = 0; i < n; i++) {
                    assertEquals(ids[i], truthIds.get(i), "label of pixel " + i + " frame " + frames);
                    float expected = depth[i] > 65.535f ? 0 : depth[i];
                    assertEquals(expected, truthDepth.get(i), 0.00051, "depth of pixel " + i + " (1 mm steps)");
                }
                frames++;
            }
            assertEquals(30, frames);
        }
        // the video alone is an ordinary recording for the pipeline's file source
        try (FrameSource v = FrameSources.open(folder.resolve("video.mp4").toString(), SourceOptions.defaults())) {
            assertEquals("h264", v.info().codec());
            ByteBuffer pixels = ByteBuffer.allocateDirect(v.info().frameBytes());
            int frames = 0;
            while (v.read(pixels) != FrameSource.END_OF_STREAM) {
                frames++;
            }
            assertEquals(30, frames);
        }
        assertTrue(Files.readString(folder.resolve("drive.json")).contains("\"seed\": 4"));
    }

    /**
     * A test double (the one place one is used): an engine whose "prediction" is the drive's own ground truth,
     * re-rendered frame by frame. Through the real pipeline, the live score must then be perfect.
     */
    private static final class OracleEngine implements InferenceEngine {
        private final ModelInfo info = new ModelInfo(Path.of("oracle"), 240, 176,
                List.of("sky", "building", "pole", "road", "pavement", "tree", "sign", "fence", "car", "pedestrian",
                        "bicyclist"), new int[11], 11, new float[3], new float[]{1, 1, 1}, true,
                SegmentationOutput.CLASS_IDS, 250, Double.NaN, "oracle", Map.of());
        private final TownScene town = DRIVE.buildScene();
        private final RoadSceneRenderer renderer = new RoadSceneRenderer(CAMERA);
        private final byte[] bgr = new byte[240 * 176 * 3];
        private final byte[] ids = new byte[240 * 176];
        private final float[] depth = new float[240 * 176];
        private int frame;

        @Override
        public String backend() {
            return "oracle";
        }

        @Override
        public String describe() {
            return "oracle";
        }

        @Override
        public ModelInfo model() {
            return info;
        }

        @Override
        public TensorBinding allocate() {
            int n = 240 * 176;
            return new TensorBinding(ByteBuffer.allocateDirect(12 * n).order(ByteOrder.nativeOrder()).asFloatBuffer(),
                    null, ByteBuffer.allocateDirect(n), 1,
                    ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer()) {
                @Override
                public void close() {
                }
            };
        }

        @Override
        public long infer(TensorBinding b) {
            DRIVE.render(town, renderer, frame++, bgr, ids, depth);
            b.classIds.put(0, ids);
            for (int i = 0; i < depth.length; i++) {
                b.depth.put(i, depth[i] > 65.535f ? 0f : depth[i]);
            }
            return 1;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theLiveScoreOfAModelThatOutputsTheGroundTruthIsPerfect() throws Exception {
        Path folder = dir.resolve("drive");
        DriveRecording.write(DRIVE, folder, 500_000, i -> { });
        try (OracleEngine engine = new OracleEngine();
             FrameSource source = FrameSources.open(folder.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null);
             Pipeline pipeline = new Pipeline(source, engine, List.of(),
                     PipelineConfig.defaults(PipelineMode.EVERY_FRAME), stats)) {
            assertNull(pipeline.run().failure());
            assertEquals(1.0, pipeline.accuracy().segmentation().meanIou(), 1e-12);
            assertEquals(1.0, pipeline.accuracy().segmentation().pixelAccuracy(), 1e-12);
            assertEquals(1.0, pipeline.accuracy().depth().delta1(), 1e-12);
            assertTrue(pipeline.accuracy().depth().absRel() < 1e-4, "AbsRel " + pipeline.accuracy().depth().absRel());
            assertEquals(30 * 240 * 176, pipeline.accuracy().segmentation().evaluatedPixels());
        }
    }
}
