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

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replays the real dash-camera clip end to end, every frame, through the real FFmpeg, ONNX Runtime and encoder. */
class PipelineReplayTest {
    @TempDir
    Path dir;

    @Test
    void everyFrameReplayWritesAPlayableVideoAndOneResultLinePerFrameInOrder() throws Exception {
        Path drive = TestData.drive();
        Path model = TestData.smallModel(dir);
        Path video = dir.resolve("out/annotated.mp4");
        Path results = dir.resolve("out/frames.jsonl");
        Path stats = dir.resolve("out/stats.json");
        Path hlog = dir.resolve("out/latency.hlog");
        Cli.Outcome run = Cli.run("run", drive.toString(), "--model", model.toString(), "--out", video.toString(),
                "--results", results.toString(), "--stats", stats.toString(), "--hlog", hlog.toString(), "-q");
        assertEquals(0, run.exit(), run.stderr());
        assertTrue(run.stderr().contains("libopenh264") || run.stderr().contains("libx264"), run.stderr());

        try (FrameSource back = FrameSources.open(video.toString(), SourceOptions.defaults())) {
            assertEquals("h264", back.info().codec());
            // the model (trained at 240x176) runs at the clip's 16:9 aspect: overlay and depth panel side by side
            io.roadseg.engine.InputSize fitted = io.roadseg.engine.InputSize.forSource(960, 540,
                    new io.roadseg.engine.InputSize(240, 176), 16);
            assertEquals(new io.roadseg.engine.InputSize(256, 144), fitted);
            assertEquals(2 * fitted.width(), back.info().width());
            assertEquals(fitted.height(), back.info().height());
            ByteBuffer buf = ByteBuffer.allocateDirect(back.info().frameBytes());
            int frames = 0;
            while (back.read(buf) != FrameSource.END_OF_STREAM) {
                frames++;
            }
            assertEquals(221, frames, "decoded frames of the annotated video");
        }

        List<String> lines = Files.readAllLines(results);
        assertEquals(221, lines.size());
        Pattern frame = Pattern.compile("^\\{\"frame\":(\\d+),");
        Pattern share = Pattern.compile("\"class_share\":\\{([^}]*)}");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = frame.matcher(lines.get(i));
            assertTrue(m.find(), lines.get(i));
            assertEquals(i, Integer.parseInt(m.group(1)));
            Matcher s = share.matcher(lines.get(i));
            assertTrue(s.find(), lines.get(i));
            double sum = 0;
            for (String kv : s.group(1).split(",")) {
                sum += Double.parseDouble(kv.substring(kv.indexOf(':') + 1));
            }
            assertEquals(1.0, sum, 0.002, "class shares of frame " + i);
            Matcher c = Pattern.compile("},\"confidence\":\\{\"mean\":([0-9.]+),\"uncertain_share\":([0-9.]+)},")
                    .matcher(lines.get(i));
            assertTrue(c.find(), "the confidence follows the class shares: " + lines.get(i));
            double mean = Double.parseDouble(c.group(1));
            assertTrue(mean >= 1.0 / 11 - 0.004 && mean <= 1, "mean confidence " + mean);
            assertTrue(Double.parseDouble(c.group(2)) <= 1, lines.get(i));
            assertTrue(Pattern.compile(",\"road_ahead_m\":(null|[0-9.]+),\"nearest_ahead_m\":\\{\"car\":(null|[0-9.]+),"
                    + "\"pedestrian\":(null|[0-9.]+),\"bicyclist\":(null|[0-9.]+)},\"path\":\\{\"curvature_per_m\":"
                    + "-?0\\.[0-9]{6}},\"camera\":\\{\"issues\":\\[],\"brightness\":1[23][0-9]\\.[0-9],"
                    + "\"dark_end\":[0-9]+,\"bright_end\":[0-9]+,\"noise\":0\\.[0-9]{2},\"sharpness\":[0-9.]+,"
                    + "\"uniform_share\":0\\.[0-9]{3},\"unchanged_s\":0\\.0[0-9],\"soft_share\":(null|[01]\\.[0-9]{3}),\"smear_edge\":(null|[0-9]+\\.[0-9]{3})},\"lead\":(null|\\{\"class\":"
                    + "\"(car|pedestrian|bicyclist)\",\"confidence\":(null|[01]\\.[0-9]+),\"distance_m\":[0-9.]+,\"lateral_m\":(null|-?[0-9.]+),\"closing_mps\":(null|-?[0-9.]+),"
                    + "\"ttc_s\":(null|[0-9.]+)})}$").matcher(lines.get(i)).find(),
                    "the road ahead, the nearest road users ahead, the path's bend, the camera (a sound picture, "
                            + "never unchanged for 0.1 s) and the lead close the line: "
                            + lines.get(i));
        }
        String json = Files.readString(stats);
        assertTrue(json.contains("\"processed\": 221"), json);
        assertTrue(json.contains("\"end_to_end\""), json);
        assertTrue(json.contains("\"camera\": {\"frames\":221,\"with_issue\":0,\"dark\":0,"), json);
        assertTrue(run.stderr().contains("camera: no issue in 221 frames"), run.stderr());
        assertTrue(Files.size(hlog) > 0);
    }

    @Test
    void callbackSeesEveryFrameInOrderThroughReadOnlyBuffersOfTheMapSize() throws Exception {
        Path drive = TestData.drive();
        Path model = TestData.smallModel(dir);
        List<Long> seen = new ArrayList<>();
        int[] checked = new int[1];
        try (InferenceEngine engine = InferenceEngines.open("cpu", model, new EngineOptions(2), s -> { });
             FrameSource source = FrameSources.open(drive.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null)) {
            CallbackSink sink = new CallbackSink("test", frame -> {
                seen.add(frame.frameIndex());
                assertEquals(240 * 176, frame.classIds().remaining());
                assertEquals(240 * 176, frame.depth().remaining());
                assertTrue(frame.classIds().isReadOnly());
                assertThrows(java.nio.ReadOnlyBufferException.class, () -> frame.classIds().put(0, (byte) 1));
                // the confidence map, and the frame's figures are its own
                java.nio.ByteBuffer confidence = frame.confidence();
                assertEquals(240 * 176, confidence.remaining());
                assertTrue(confidence.isReadOnly());
                int uncertain = 0;
                double sum = 0;
                for (int i = 0; i < 240 * 176; i++) {
                    float p = io.roadseg.postprocess.ClassMaps.probability(confidence.get(i));
                    uncertain += p < io.roadseg.postprocess.ClassMaps.UNCERTAIN_BELOW ? 1 : 0;
                    sum += p;
                }
                assertEquals(uncertain / (240.0 * 176), frame.uncertainShare(), 1e-6);
                assertEquals(sum / (240 * 176), frame.meanConfidence(), 1e-4);
                checked[0]++;
            });
            PipelineConfig config = PipelineConfig.forSource(source.info(), false).withMaxFrames(60);
            try (Pipeline pipeline = new Pipeline(source, engine, List.of(sink), config, stats)) {
                RunResult result = pipeline.run();
                assertEquals(null, result.failure());
            }
        }
        assertEquals(60, seen.size());
        for (int i = 0; i < seen.size(); i++) {
            assertEquals(i, seen.get(i));
        }
        assertEquals(60, checked[0]);
    }

    /** The annotated overlay of frame 5 (its left half, packed BGR) and the frame's confidence map. */
    private static byte[][] overlayOfFrame5(Path drive, Path model, boolean showUncertain) throws Exception {
        byte[][] seen = new byte[2][];
        try (InferenceEngine engine = InferenceEngines.open("cpu", model, new EngineOptions(2), s -> { });
             FrameSource source = FrameSources.open(drive.toString(), SourceOptions.defaults());
             LatencyStats stats = new LatencyStats(-1, null, null)) {
            CallbackSink sink = new CallbackSink("test", frame -> {
                if (frame.frameIndex() == 5) {
                    int w = frame.mapWidth();
                    int h = frame.mapHeight();
                    byte[] overlay = new byte[w * h * 3];
                    for (int y = 0; y < h; y++) {
                        frame.annotatedBgr().get(y * frame.annotatedWidth() * 3, overlay, y * w * 3, w * 3);
                    }
                    byte[] confidence = new byte[w * h];
                    frame.confidence().get(0, confidence);
                    seen[0] = overlay;
                    seen[1] = confidence;
                }
            });
            PipelineConfig config = PipelineConfig.forSource(source.info(), false).withMaxFrames(8).withHud(false)
                    .withShowUncertain(showUncertain);
            try (Pipeline pipeline = new Pipeline(source, engine, List.of(sink), config, stats)) {
                assertEquals(null, pipeline.run().failure());
            }
        }
        return seen;
    }

    @Test
    void showUncertainLeavesTheConfidentPixelsAndUncoloursTheOthers() throws Exception {
        Path drive = TestData.drive();
        Path model = TestData.smallModel(dir);
        byte[][] plain = overlayOfFrame5(drive, model, false);
        byte[][] shown = overlayOfFrame5(drive, model, true);
        assertTrue(java.util.Arrays.equals(plain[1], shown[1]), "the same network, the same confidence");
        int uncertain = 0;
        int changed = 0;
        for (int i = 0; i < plain[1].length; i++) {
            boolean sure = (plain[1][i] & 0xff) >= io.roadseg.postprocess.ClassMaps.UNCERTAIN_BYTE;
            boolean same = plain[0][3 * i] == shown[0][3 * i] && plain[0][3 * i + 1] == shown[0][3 * i + 1]
                    && plain[0][3 * i + 2] == shown[0][3 * i + 2];
            if (sure) {
                assertTrue(same, "a confident pixel keeps its class colour: pixel " + i);
            } else {
                uncertain++;
                changed += same ? 0 : 1;
            }
        }
        assertTrue(uncertain >= 20, uncertain + " uncertain pixels in the small model's map");
        // the class colour is gone where it was blended in: all but pixels whose colour the blend happened to keep
        assertTrue(changed > 0.9 * uncertain, changed + " of " + uncertain + " uncertain pixels changed");
    }
}
