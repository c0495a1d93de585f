package io.roadseg.sink;

import io.roadseg.pipeline.FrameResult;
import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraReading;
import io.roadseg.stats.AsciiText;

import java.util.Arrays;
import java.util.List;

/**
 * One frame's results as a JSON object, the form shared by the JSON-lines file, the MCAP {@code json} channel and
 * live viewers:
 * <pre>
 * {"frame":12,"t_us":480000,"stamp_ns":1700000000400000000,"dropped_before":0,
 *  "latency_ms":{"capture":1.2,"preprocess":0.9,"inference":21.4,"postprocess":3.1,"to_sink":27.0},
 *  "class_share":{"sky":0.2134,…},"confidence":{"mean":0.912,"uncertain_share":0.0412},"road_ahead_m":18.4,
 *  "nearest_ahead_m":{"car":12.31,"pedestrian":null,…},
 *  "path":{"curvature_per_m":-0.00412},
 *  "camera":{"issues":["washed_out"],"brightness":231.4,"dark_end":192,"bright_end":255,"noise":0.21,"sharpness":9.52,
 *            "uniform_share":0.012,"unchanged_s":0.00,"soft_share":0.000,"smear_edge":0.412},
 *  "lead":{"class":"car","confidence":0.93,"distance_m":12.31,"lateral_m":-0.42,"closing_mps":2.1,"ttc_s":5.8}}
 * </pre>
 * {@code confidence} is the network's in its classes over the frame ({@link FrameResult#meanConfidence},
 * {@link FrameResult#uncertainShare}: the share of pixels more likely wrong than right), null for a model that outputs
 * class ids; {@code t_us} is the time since the source's first frame, {@code stamp_ns} the frame's timestamp
 * ({@link FrameResult#stampNanos}), {@code to_sink} capture → the sink that wrote it; {@code road_ahead_m} is null
 * when no road is seen under the camera; {@code nearest_ahead_m} has one entry per road user class the model has
 * ({@link FrameResult#ROAD_USERS}), null where none is seen ahead ({@link FrameResult#nearestAheadMetres});
 * {@code path} is the bend of the vehicle's path ({@link FrameResult#pathCurvature}: its centre line runs
 * ½·curvature·d² metres right of the camera's axis d metres ahead; 0 for a straight path), null where no path is read;
 * {@code camera} is the picture as the camera check read it ({@link FrameResult#camera}): its issues (any of
 * {@code dark}, {@code washed_out}, {@code noisy}, {@code blurred}, {@code blocked}, {@code frozen} from the picture
 * alone, {@code upside_down}, {@code sideways}, {@code smeared} with the network's classes; empty for a sound picture)
 * and the figures they were read from ({@code soft_share}: the share of the regions read whose edges stayed soft over
 * the last second, {@code smear_edge} the smear check's figure, a smear under 0.15; null until it has a window);
 * {@code lead} is the nearest road user in the vehicle's path ({@link FrameResult#leadClassId}), null when none is:
 * its {@code confidence} the network's in its class (the mean probability over its pixels; null without one), its
 * {@code lateral_m} is where it stands across (metres right of the camera's axis, negative left; null where it
 * reaches the picture's side), its {@code closing_mps} null until its track is long enough, its {@code ttc_s} null unless it is
 * closing.
 *
 * <p>Built in one reused byte array: no allocation per frame. Threading: one thread.
 */
public final class FrameJson {
    private static final byte[] FRAME = AsciiText.ascii("{\"frame\":");
    private static final byte[] T_US = AsciiText.ascii(",\"t_us\":");
    private static final byte[] STAMP = AsciiText.ascii(",\"stamp_ns\":");
    private static final byte[] DROPPED = AsciiText.ascii(",\"dropped_before\":");
    private static final byte[] CAPTURE = AsciiText.ascii(",\"latency_ms\":{\"capture\":");
    private static final byte[] PRE = AsciiText.ascii(",\"preprocess\":");
    private static final byte[] INFER = AsciiText.ascii(",\"inference\":");
    private static final byte[] POST = AsciiText.ascii(",\"postprocess\":");
    private static final byte[] TO_SINK = AsciiText.ascii(",\"to_sink\":");
    private static final byte[] SHARE = AsciiText.ascii("},\"class_share\":{");
    private static final byte[] CONFIDENCE = AsciiText.ascii("},\"confidence\":{\"mean\":");
    private static final byte[] UNCERTAIN = AsciiText.ascii(",\"uncertain_share\":");
    private static final byte[] NO_CONFIDENCE = AsciiText.ascii("},\"confidence\":null,\"road_ahead_m\":");
    private static final byte[] ROAD = AsciiText.ascii("},\"road_ahead_m\":");
    private static final byte[] CAMERA = AsciiText.ascii(",\"camera\":{\"issues\":[");
    private static final byte[] BRIGHTNESS = AsciiText.ascii("],\"brightness\":");
    private static final byte[] DARK_END = AsciiText.ascii(",\"dark_end\":");
    private static final byte[] BRIGHT_END = AsciiText.ascii(",\"bright_end\":");
    private static final byte[] NOISE = AsciiText.ascii(",\"noise\":");
    private static final byte[] SHARPNESS = AsciiText.ascii(",\"sharpness\":");
    private static final byte[] UNIFORM = AsciiText.ascii(",\"uniform_share\":");
    private static final byte[] UNCHANGED = AsciiText.ascii(",\"unchanged_s\":");
    private static final byte[] SOFT = AsciiText.ascii(",\"soft_share\":");
    private static final byte[] SMEAR_EDGE = AsciiText.ascii(",\"smear_edge\":");
    private static final byte[] NO_CAMERA = AsciiText.ascii(",\"camera\":null");
    private static final byte[][] ISSUES = CameraIssue.names(i -> '"' + i.key() + '"');
    private static final byte[] COMMA = AsciiText.ascii(",");
    private static final byte[] NEAREST = AsciiText.ascii(",\"nearest_ahead_m\":{");
    private static final byte[] NO_PATH = AsciiText.ascii("},\"path\":null");
    private static final byte[] CURVATURE = AsciiText.ascii("},\"path\":{\"curvature_per_m\":");
    private static final byte[] NO_LEAD = AsciiText.ascii(",\"lead\":null}");
    private static final byte[] LEAD = AsciiText.ascii(",\"lead\":{\"class\":");
    private static final byte[] LEAD_CONFIDENCE = AsciiText.ascii(",\"confidence\":");
    private static final byte[] DISTANCE = AsciiText.ascii(",\"distance_m\":");
    private static final byte[] LATERAL = AsciiText.ascii(",\"lateral_m\":");
    private static final byte[] CLOSING = AsciiText.ascii(",\"closing_mps\":");
    private static final byte[] TTC = AsciiText.ascii(",\"ttc_s\":");

    private final byte[][] classKeys;
    private final int[] roadUsers;
    private final byte[][] roadUserKeys;
    /** Per class id, its name as a JSON string (for the lead). */
    private final byte[][] classValues;
    private final AsciiText line;

    public FrameJson(List<String> classNames) {
        classKeys = new byte[classNames.size()][];
        classValues = new byte[classNames.size()][];
        for (int i = 0; i < classKeys.length; i++) {
            String name = classNames.get(i).replace("\\", "\\\\").replace("\"", "\\\"");
            classKeys[i] = AsciiText.ascii((i == 0 ? "\"" : ",\"") + name + "\":");
            classValues[i] = AsciiText.ascii('"' + name + '"');
        }
        int[] ids = FrameResult.roadUserIds(classNames);
        int n = 0;
        for (int id : ids) {
            if (id >= 0) {
                ids[n++] = id;
            }
        }
        roadUsers = Arrays.copyOf(ids, n);
        roadUserKeys = new byte[n][];
        for (int k = 0; k < n; k++) {
            roadUserKeys[k] = AsciiText.ascii((k == 0 ? "\"" : ",\"") + classNames.get(roadUsers[k]) + "\":");
        }
        line = new AsciiText(840 + 32 * classKeys.length + 32 * n);
    }

    /** Encodes {@code f} (the sink's clock reading {@code nowNanos} gives {@code to_sink}); returns the text. */
    public AsciiText encode(FrameResult f, long nowNanos) {
        double pixels = (double) f.mapWidth() * f.mapHeight();
        line.clear().append(FRAME).append(f.frameIndex()).append(T_US).append(f.sourceTimeMicros())
                .append(STAMP).append(f.stampNanos())
                .append(DROPPED).append(f.droppedBefore())
                .append(CAPTURE).append(f.captureNanos() / 1e6, 3)
                .append(PRE).append(f.preprocessNanos() / 1e6, 3)
                .append(INFER).append(f.inferenceNanos() / 1e6, 3)
                .append(POST).append(f.postprocessNanos() / 1e6, 3)
                .append(TO_SINK).append((nowNanos - f.capturedAtNanos()) / 1e6, 3)
                .append(SHARE);
        for (int c = 0; c < classKeys.length; c++) {
            line.append(classKeys[c]).append(f.classPixels(c) / pixels, 4);
        }
        if (Float.isNaN(f.meanConfidence())) {
            line.append(NO_CONFIDENCE);
        } else {
            line.append(CONFIDENCE).append(f.meanConfidence(), 4).append(UNCERTAIN).append(f.uncertainShare(), 4)
                    .append(ROAD);
        }
        line.append(f.roadAheadMetres(), 2).append(NEAREST);
        for (int k = 0; k < roadUsers.length; k++) {
            line.append(roadUserKeys[k]).append(f.nearestAheadMetres(roadUsers[k]), 2);
        }
        if (Float.isNaN(f.pathCurvature())) {
            line.append(NO_PATH);
        } else {
            line.append(CURVATURE).append(f.pathCurvature(), 6).append('}');
        }
        CameraReading camera = f.camera();
        if (camera == null || !camera.measured()) {
            line.append(NO_CAMERA);
        } else {
            CameraIssue.append(line.append(CAMERA), camera.issues(), ISSUES, COMMA).append(BRIGHTNESS).append(camera.brightness(), 1).append(DARK_END).append(camera.darkEnd(), 0)
                    .append(BRIGHT_END).append(camera.brightEnd(), 0)
                    .append(NOISE).append(camera.noise(), 2).append(SHARPNESS).append(camera.sharpness(), 2)
                    .append(UNIFORM).append(camera.uniformShare(), 3).append(UNCHANGED)
                    .append(camera.unchangedSeconds(), 2).append(SOFT).append(camera.softShare(), 3)
                    .append(SMEAR_EDGE).append(camera.smearEdge(), 3).append('}');
        }
        int lead = f.leadClassId();
        if (lead < 0 || lead >= classValues.length) {
            return line.append(NO_LEAD);
        }
        return line.append(LEAD).append(classValues[lead]).append(LEAD_CONFIDENCE).append(f.leadConfidence(), 3)
                .append(DISTANCE).append(f.leadDistanceMetres(), 2)
                .append(LATERAL).append(f.leadLateralMetres(), 2).append(CLOSING).append(f.leadClosingSpeed(), 2).append(TTC).append(f.leadTimeToContactSeconds(), 2)
                .append('}').append('}');
    }

    /** @return the text of the last {@link #encode} */
    public AsciiText text() {
        return line;
    }
}
