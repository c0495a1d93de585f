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
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceOptions;
import io.roadseg.stats.LatencyStats;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
                assertEquals(DRIVE.pathCurvature(town, frames), s.groundTruthPathCurvature(), 1e-8,
                        "the path driven, from ego.csv, frame " + frames);
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

    private static final CameraCalibration SMALL =
            new CameraCalibration("small", 96, 64, 80, 80, 48, 32, 0, 0, 0, 0, 1.4, 2, 0);
    private static final SimDrive SHORT = new SimDrive("town", 5, 6, 10, 36, SMALL);

    private Path shortRecording() throws Exception {
        Path folder = dir.resolve("short");
        DriveRecording.write(SHORT, folder, 200_000, i -> { });
        return folder;
    }

    private static String openError(Path folder) {
        SourceException e = assertThrows(SourceException.class,
                () -> FrameSources.open(folder.toString(), SourceOptions.defaults()).close());
        return e.getMessage();
    }

    @Test
    void theManifestNamesTheDriveAndTheVersions() throws Exception {
        Path folder = shortRecording();
        String manifest = Files.readString(folder.resolve("drive.json"));
        for (String field : List.of("\"seed\": 5", "\"frames\": 6", "\"fps\": 10.0", "\"speed_kmh\": 36.0",
                "\"scene\": \"town\"", "\"calibration\": \"small\"", "\"roadseg_version\": \"",
                "\"renderer\": \"" + RoadSceneRenderer.VERSION + "\"")) {
            assertTrue(manifest.contains(field), field + " in " + manifest);
        }
        assertEquals(SMALL, CameraCalibration.read(folder.resolve("calibration.yaml")));
    }

    @Test
    void aRecordingMissingADepthFileIsRefusedWhenOpened() throws Exception {
        Path folder = shortRecording();
        Files.delete(folder.resolve("depth/000003.png"));
        String message = openError(folder);
        assertTrue(message.contains("6 label PNGs but 5 depth PNGs"), message);
    }

    @Test
    void aManifestThatDisagreesWithTheGroundTruthIsRefused() throws Exception {
        Path folder = shortRecording();
        Files.writeString(folder.resolve("drive.json"), Files.readString(folder.resolve("drive.json"))
                .replace("\"frames\": 6", "\"frames\": 60"));
        String message = openError(folder);
        assertTrue(message.contains("drive.json declares 60 frames but the recording holds ground truth for 6"),
                message);
    }

    @Test
    void theVehiclesMotionIsLoggedPerFrameAndADamagedLogIsNamed() throws Exception {
        Path folder = shortRecording();
        Path ego = folder.resolve("ego.csv");
        List<String> lines = Files.readAllLines(ego);
        assertEquals(DriveRecording.EGO_HEADER, lines.get(0));
        assertEquals(7, lines.size(), "a header and one row per frame");
        assertEquals("1,0.100000,10.0000,", lines.get(2).substring(0, lines.get(2).lastIndexOf(',') + 1));
        // standing in frame 1 (under 1 m/s): the vehicle drives no path then, as odometry would say
        List<String> standing = new java.util.ArrayList<>(lines);
        standing.set(2, "1,0.100000,0.5000,0.00000000");
        Files.writeString(ego, String.join("\n", standing) + "\n");
        try (FrameSource s = FrameSources.open(folder.toString(), SourceOptions.defaults())) {
            ByteBuffer frame = ByteBuffer.allocateDirect(s.info().frameBytes());
            s.read(frame);
            assertTrue(Double.isFinite(s.vehicleCurvature()), "moving at 10 m/s");
            s.read(frame);
            assertTrue(Double.isNaN(s.vehicleCurvature()), "standing");
            assertEquals(0.0, s.groundTruthPathCurvature(), "the true path is scored as logged");
        }
        Files.writeString(ego, String.join("\n", lines.subList(0, 6)) + "\n");
        String message = openError(folder);
        assertTrue(message.contains("ego.csv has 5 rows but the recording holds 6 frames"), message);
        lines.set(4, "3,0.300000,10.0000,fast");
        Files.writeString(ego, String.join("\n", lines) + "\n");
        message = openError(folder);
        assertTrue(message.contains("ego.csv line 5 is not '3,TIME,SPEED,CURVATURE' with finite numbers: "
                + "'3,0.300000,10.0000,fast'"), message);
        Files.writeString(ego, "frame,curvature\n");
        message = openError(folder);
        assertTrue(message.contains("ego.csv does not start with the header " + DriveRecording.EGO_HEADER), message);
        // a recording made before the log was written: the path driven is not known
        Files.delete(ego);
        try (FrameSource s = FrameSources.open(folder.toString(), SourceOptions.defaults())) {
            s.read(ByteBuffer.allocateDirect(s.info().frameBytes()));
            assertTrue(Double.isNaN(s.groundTruthPathCurvature()));
        }
    }

    @Test
    void groundTruthOfTheWrongSizeIsNamed() throws Exception {
        Path folder = shortRecording();
        try (Mat small = new Mat(32, 48, CV_8UC1)) {
            assertTrue(imwrite(folder.resolve("labels/000000.png").toString(), small));
        }
        String message = openError(folder);
        assertTrue(message.contains("labels/000000.png is 48x32 8-bit grey, expected 96x64 8-bit grey"), message);
    }

    @Test
    void moreVideoFramesThanGroundTruthIsAnError() throws Exception {
        Path folder = shortRecording();
        for (String sub : List.of("labels", "depth")) {
            Files.delete(folder.resolve(sub).resolve("000005.png"));
        }
        Files.writeString(folder.resolve("drive.json"), Files.readString(folder.resolve("drive.json"))
                .replace("\"frames\": 6", "\"frames\": 5"));
        List<String> ego = Files.readAllLines(folder.resolve("ego.csv"));
        Files.write(folder.resolve("ego.csv"), ego.subList(0, 6));
        try (FrameSource s = FrameSources.open(folder.toString(), SourceOptions.defaults())) {
            ByteBuffer pixels = ByteBuffer.allocateDirect(s.info().frameBytes());
            for (int i = 0; i < 5; i++) {
                s.read(pixels);
            }
            SourceException e = assertThrows(SourceException.class, () -> s.read(pixels));
            assertTrue(e.getMessage().contains("video has more frames than ground truth (5)"), e.getMessage());
        }
    }

    @Test
    void aLoopedRecordingRestartsItsGroundTruthWithTheVideo() throws Exception {
        Path folder = shortRecording();
        int n = SMALL.width() * SMALL.height();
        try (FrameSource s = FrameSources.open(folder.toString(), SourceOptions.defaults().withLoop(true))) {
            ByteBuffer pixels = ByteBuffer.allocateDirect(n * 3);
            ByteBuffer ids = ByteBuffer.allocateDirect(n);
            FloatBuffer depth = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
            byte[][] firstPass = new byte[6][n];
            for (int i = 0; i < 15; i++) {
                assertTrue(s.read(pixels) != FrameSource.END_OF_STREAM, "frame " + i);
                s.readGroundTruth(ids, depth);
                byte[] labels = new byte[n];
                ids.get(0, labels);
                if (i < 6) {
                    firstPass[i] = labels;
                } else {
                    assertArrayEquals(firstPass[i % 6], labels, "labels of frame " + i);
                }
            }
        }
    }

    /**
     * A test double (the one place one is used): an engine whose "prediction" is the drive's own ground truth,
     * re-rendered frame by frame. Through the real pipeline, the live score must then be perfect.
     */
    private static final class OracleEngine implements InferenceEngine {
        private final ModelInfo info = new ModelInfo(Path.of("oracle"), 240, 176,
                List.of("sky", "building", "pole", "road", "pavement", "tree", "sign", "fence", "car", "pedestrian",
                        "bicyclist"), new int[11], 11, new float[3], new float[]{1, 1, 1}, true,
                SegmentationOutput.CLASS_IDS, 250, CAMERA.fx() * 240 / CAMERA.width(), "oracle", Map.of());
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
            // the nearest road user ahead: the same probe on the same maps, so the same distance in every frame
            io.roadseg.metrics.NearestAheadScore ahead = pipeline.accuracy().nearestAhead();
            long measured = 0;
            for (int c = 0; c < ahead.classes(); c++) {
                assertEquals(0, ahead.missed(c), "class " + c + " missed");
                assertEquals(0, ahead.phantom(c), "class " + c + " seen where the truth has none");
                if (ahead.measured(c) > 0) {
                    // the recording's depth PNGs hold millimetres: as close as the depth above
                    assertTrue(ahead.absRel(c) < 1e-4, "class " + c + ": AbsRel " + ahead.absRel(c));
                    assertEquals(1.0, ahead.delta1(c), "class " + c);
                }
                measured += ahead.measured(c);
            }
            assertTrue(measured > 0, "the drive's 30 frames show a road user ahead");
            // the lead in the path: the same probe on the same maps and times, so the same lead at the same distance;
            // its closing speed is the tracker's own reading (the lead's apparent height over a second, in whole
            // pixels of a 240 x 176 map) against the exact distances' slope over 0.3 s: close, not equal
            io.roadseg.metrics.LeadScore lead = pipeline.accuracy().lead();
            assertEquals(0, lead.missed() + lead.phantom(), "missed, phantom");
            assertEquals(lead.measured(), lead.sameClass());
            assertTrue(lead.absRel() < 1e-4, "AbsRel " + lead.absRel());
            assertTrue(lead.rated() > 0 && lead.closingMae() < 2.5, lead.rated() + " frames: " + lead.closingMae());
            // and where it stands across: the same columns of the same maps
            assertTrue(lead.lateralRated() > 0 && lead.lateralMae() < 0.01,
                    lead.lateralRated() + " frames: " + lead.lateralMae());
            assertEquals(lead.truthWarnings(), lead.warned());
            assertEquals(0, lead.falseWarnings());
        }
    }
    @Test
    void aPathShapedByTheVehicleFollowsItsRecordedMotionOrTheEmbeddersReadings() throws Exception {
        Path folder = dir.resolve("drive");
        DriveRecording.write(DRIVE, folder, 500_000, i -> { });
        PipelineConfig config = PipelineConfig.defaults(PipelineMode.EVERY_FRAME)
                .withPath(new PipelineConfig.Path(1.75, Double.NaN, PipelineConfig.Path.Shape.VEHICLE));
        // the recording's ego.csv: the path is the one driven, frame by frame
        try (OracleEngine engine = new OracleEngine();
             FrameSource source = FrameSources.open(folder.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null);
             Pipeline pipeline = new Pipeline(source, engine, List.of(), config, stats)) {
            assertNull(pipeline.run().failure());
            assertEquals(30, pipeline.framesPathFromVehicle());
            io.roadseg.metrics.LeadScore lead = pipeline.accuracy().lead();
            assertEquals(30, lead.pathRated());
            assertEquals(0, lead.pathMae(), 1e-6, "the path driven, scored against itself");
        }
        // the same log with the vehicle standing (under 1 m/s): it drives no path, as odometry would say
        Path ego = folder.resolve("ego.csv");
        List<String> driven = Files.readAllLines(ego);
        List<String> standing = new java.util.ArrayList<>(List.of(driven.get(0)));
        for (String row : driven.subList(1, driven.size())) {
            String[] f = row.split(",");
            standing.add(f[0] + "," + f[1] + ",0.5000," + f[3]);
        }
        Files.write(ego, standing);
        try (OracleEngine engine = new OracleEngine();
             FrameSource source = FrameSources.open(folder.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null);
             Pipeline pipeline = new Pipeline(source, engine, List.of(), config, stats)) {
            assertNull(pipeline.run().failure());
            assertEquals(0, pipeline.framesPathFromVehicle(), "standing: the path follows the road");
        }
        Files.write(ego, driven);
        // a recording without it: the embedder's readings, here given from the sink thread after every frame
        Files.delete(folder.resolve("ego.csv"));
        List<Float> curvatures = new java.util.ArrayList<>();
        Pipeline[] running = new Pipeline[1];
        io.roadseg.pipeline.FrameSink vehicle = new io.roadseg.sink.CallbackSink("vehicle", f -> {
            curvatures.add(f.pathCurvature());
            running[0].vehicleMotion().set(10, 0.02); // 10 m/s turning right at 0.02 rad/s
        });
        try (OracleEngine engine = new OracleEngine();
             FrameSource source = FrameSources.open(folder.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null);
             Pipeline pipeline = new Pipeline(source, engine, List.of(vehicle), config, stats)) {
            running[0] = pipeline;
            assertNull(pipeline.run().failure());
            assertEquals(30, curvatures.size());
            assertTrue(curvatures.get(0) != 0.002f, "the first frame, before any reading, follows the road");
            assertEquals(0.002f, curvatures.get(29), 1e-9f);
            long followed = curvatures.stream().filter(k -> k == 0.002f).count();
            assertEquals(followed, pipeline.framesPathFromVehicle());
            assertTrue(followed > 0 && followed < 30, followed + " frames");
        }
    }
}
