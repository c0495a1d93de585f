package io.roadseg.sim;

import io.roadseg.source.FrameSource;
import io.roadseg.source.SourceException;
import io.roadseg.source.SourceInfo;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A synthetic drive as a source: {@code sim://town?seed=7&frames=600&fps=30&speed=36&calib=calibration/…yaml}.
 * Every frame comes with its exact ground truth. Not live: frames are rendered as fast as they are read
 * ({@code --pace} makes the pipeline treat it like a camera).
 *
 * <p>Threading: one reader thread.
 */
public final class SimSource implements FrameSource {
    public static final String DEFAULT_CALIBRATION = "calibration/camvid-480x360.yaml";
    private static final Set<String> PARAMETERS = Set.of("seed", "frames", "fps", "speed", "calib");

    private final SimDrive drive;
    private final TownScene town;
    private final RoadSceneRenderer renderer;
    private final SourceInfo info;
    private final byte[] bgr;
    private final byte[] ids;
    private final float[] depth;
    private int next;
    /** The path curvature of the frame last read ({@link SimDrive#pathCurvature}). */
    private double curvature = Double.NaN;
    private volatile boolean interrupted;

    public SimSource(String uri, SimDrive drive) {
        this.drive = drive;
        this.town = drive.buildScene();
        this.renderer = new RoadSceneRenderer(drive.camera());
        int n = drive.camera().width() * drive.camera().height();
        bgr = new byte[n * 3];
        ids = new byte[n];
        depth = new float[n];
        info = new SourceInfo(uri, drive.camera().width(), drive.camera().height(), drive.fps(), false,
                drive.frames(), "roadseg sim");
    }

    /**
     * Parses a {@code sim://SCENE?name=value&…} URI. Parameters (all optional): {@code seed} (default 1),
     * {@code frames} (1..1000000, default 300), {@code fps} (1..240, default 30), {@code speed} in km/h (0..200,
     * default 36), {@code calib} (a calibration file, default {@value #DEFAULT_CALIBRATION}); the scene defaults to
     * {@code town}. Errors name the parameter and the rule.
     */
    public static SimDrive parse(String uri) throws SourceException {
        String rest = uri.substring("sim://".length());
        int q = rest.indexOf('?');
        String scene = q < 0 ? rest : rest.substring(0, q);
        Map<String, String> params = new LinkedHashMap<>();
        if (q >= 0 && q + 1 < rest.length()) {
            for (String kv : rest.substring(q + 1).split("&")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new SourceException("input " + uri + ": parameter '" + kv + "' is not name=value");
                }
                String key = kv.substring(0, eq);
                if (!PARAMETERS.contains(key)) {
                    throw new SourceException("input " + uri + ": unknown parameter '" + key + "' (known: "
                            + String.join(", ", PARAMETERS.stream().sorted().toList()) + ")");
                }
                String value;
                try {
                    value = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new SourceException("input " + uri + ": parameter '" + key + "' has a broken %-escape ("
                            + e.getMessage() + ")");
                }
                if (params.put(key, value) != null) {
                    throw new SourceException("input " + uri + ": parameter '" + key + "' given twice");
                }
            }
        }
        if (scene.isEmpty()) {
            scene = "town";
        }
        Path calib = io.roadseg.source.InstallPaths.resolve(Path.of(params.getOrDefault("calib",
                DEFAULT_CALIBRATION)));
        CameraCalibration camera;
        try {
            camera = CameraCalibration.readForRendering(calib);
        } catch (IOException e) {
            throw new SourceException("input " + uri + ": " + e.getMessage());
        }
        try {
            long frames = number(uri, params, "frames", 300, true).longValue();
            if (frames < 1 || frames > 1_000_000) { // checked before narrowing to int
                throw new IllegalArgumentException("frames must be in 1..1000000, got " + frames);
            }
            return new SimDrive(scene, number(uri, params, "seed", 1, true).longValue(), (int) frames,
                    number(uri, params, "fps", 30, false).doubleValue(),
                    number(uri, params, "speed", 36, false).doubleValue(), camera);
        } catch (IllegalArgumentException e) {
            throw new SourceException("input " + uri + ": " + e.getMessage());
        }
    }

    private static Number number(String uri, Map<String, String> params, String key, double fallback,
                                 boolean integer) throws SourceException {
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return integer ? (Number) Long.parseLong(v) : (Number) Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new SourceException("input " + uri + ": parameter '" + key + "' must be "
                    + (integer ? "a whole number" : "a number") + ", got '" + v + "'");
        }
    }

    public SimDrive drive() {
        return drive;
    }

    @Override
    public SourceInfo info() {
        return info;
    }

    @Override
    public long read(ByteBuffer dst) {
        if (interrupted || next >= drive.frames()) {
            return END_OF_STREAM;
        }
        int index = next++;
        drive.render(town, renderer, index, bgr, ids, depth);
        curvature = drive.pathCurvature(town, index);
        dst.put(0, bgr, 0, bgr.length);
        return Math.round(index * 1e6 / drive.fps());
    }

    @Override
    public boolean hasGroundTruth() {
        return true;
    }

    @Override
    public void readGroundTruth(ByteBuffer classIds, FloatBuffer depthMetres) {
        classIds.put(0, ids, 0, ids.length);
        depthMetres.put(0, depth, 0, depth.length);
    }

    @Override
    public double groundTruthPathCurvature() {
        return curvature;
    }

    @Override
    public double vehicleCurvature() {
        // none while the vehicle stands, as from odometry (VehicleCurvature)
        return drive.speedKmh() / 3.6 < io.roadseg.source.VehicleCurvature.MIN_SPEED_MPS ? Double.NaN : curvature;
    }

    @Override
    public double groundTruthFocalPx() {
        return drive.camera().fx();
    }

    @Override
    public void interrupt() {
        interrupted = true;
    }

    @Override
    public void close() {
    }
}
