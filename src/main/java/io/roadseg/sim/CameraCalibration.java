package io.roadseg.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A pinhole camera mounted on a car: intrinsics (resolution, focal lengths, principal point, radial/tangential
 * distortion) and mounting (height of the optical centre above the road, pitch, roll). Read from a flat
 * {@code key: value} file (a YAML subset, {@code #} comments) documented in {@code calibration/README.md}; every
 * rule broken is reported with the file and the field.
 *
 * <p>Immutable; safe to share between threads.
 *
 * @param pitchDeg positive when the camera looks down
 * @param rollDeg  positive when the image is rotated clockwise
 */
public record CameraCalibration(String name, int width, int height, double fx, double fy, double cx, double cy,
                                double k1, double k2, double p1, double p2, double mountHeightM, double pitchDeg,
                                double rollDeg) {
    private static final Set<String> REQUIRED = Set.of("width", "height", "fx", "fy", "cx", "cy", "mount_height_m",
            "pitch_deg");
    private static final List<String> KNOWN = List.of("name", "width", "height", "fx", "fy", "cx", "cy", "k1", "k2",
            "p1", "p2", "mount_height_m", "pitch_deg", "roll_deg");

    public CameraCalibration {
        validate("calibration " + name, width, height, fx, fy, cx, cy, mountHeightM, pitchDeg, rollDeg);
        double reach = io.roadseg.preprocess.Rectification.reach(k1, k2, 0);
        double corner = io.roadseg.preprocess.Rectification.cornerRadius(width, height, fx, fy, cx, cy);
        rule("calibration " + name, "k1", corner < reach, String.format(java.util.Locale.ROOT, "and k2 (%s, %s) "
                + "make a lens that folds back at a normalised radius of %.2f, inside the picture, whose corners lie "
                + "at %.2f: not a lens (a sign or a scale wrong?)", k1, k2, reach, corner));
    }

    private static void validate(String where, int width, int height, double fx, double fy, double cx, double cy,
                                 double mountHeightM, double pitchDeg, double rollDeg) {
        rule(where, "width", width >= 16 && width <= 8192, "must be in 16..8192, got " + width);
        rule(where, "height", height >= 16 && height <= 8192, "must be in 16..8192, got " + height);
        // 0.05·width is a 170° fisheye, 50·width a 1° telephoto: outside that the value is a typo, not a lens
        rule(where, "fx", fx >= 0.05 * width && fx <= 50.0 * width, "focal length must be in "
                + 0.05 * width + ".." + 50.0 * width + " px for a " + width + " px wide image, got " + fx);
        rule(where, "fy", fy >= 0.05 * height && fy <= 50.0 * width, "focal length must be in "
                + 0.05 * height + ".." + 50.0 * width + " px for this image, got " + fy);
        rule(where, "cx", cx >= 0 && cx <= width, "principal point must lie inside the image (0.." + width
                + "), got " + cx);
        rule(where, "cy", cy >= 0 && cy <= height, "principal point must lie inside the image (0.." + height
                + "), got " + cy);
        rule(where, "mount_height_m", mountHeightM > 0 && mountHeightM <= 50, "camera must be above the road, at "
                + "most 50 m, got " + mountHeightM);
        rule(where, "pitch_deg", Math.abs(pitchDeg) < 45, "must be within ±45°, got " + pitchDeg);
        rule(where, "roll_deg", Math.abs(rollDeg) < 45, "must be within ±45°, got " + rollDeg);
    }

    private static void rule(String where, String field, boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(where + ": " + field + " " + message);
        }
    }

    /**
     * Reads and validates a calibration file; errors name the file, the line or field and the rule broken. A file
     * whose text starts with {@code {} is a {@code camera.json} as {@code eval --depth} reads it ({@code fx, fy, cx,
     * cy} with pixel centres at integers, {@code width, height, camera_height_m}, optionally
     * {@code optical_axis_pitch_down_deg}; no distortion), so a camera described for evaluation runs as it is.
     */
    public static CameraCalibration read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("calibration " + file + ": file not found");
        } catch (IOException e) {
            throw new IOException("calibration " + file + ": cannot read (" + e.getMessage() + ")");
        }
        if (String.join("\n", lines).strip().startsWith("{")) {
            return fromCameraJson(file);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("calibration " + file + ": line " + (i + 1) + " is not 'key: value': "
                        + lines.get(i).strip());
            }
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(key)) {
                throw new IOException("calibration " + file + ": unknown field '" + key + "' on line " + (i + 1)
                        + " (known: " + String.join(", ", KNOWN) + ")");
            }
            if (values.put(key, line.substring(colon + 1).strip()) != null) {
                throw new IOException("calibration " + file + ": field '" + key + "' given twice");
            }
        }
        for (String key : KNOWN) {
            if (REQUIRED.contains(key) && !values.containsKey(key)) {
                throw new IOException("calibration " + file + ": required field '" + key + "' is missing");
            }
        }
        String name = values.getOrDefault("name", file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        try {
            return new CameraCalibration(name, size(file, values, "width"), size(file, values, "height"),
                    number(file, values, "fx", 0), number(file, values, "fy", 0),
                    number(file, values, "cx", 0), number(file, values, "cy", 0), number(file, values, "k1", 0),
                    number(file, values, "k2", 0), number(file, values, "p1", 0), number(file, values, "p2", 0),
                    number(file, values, "mount_height_m", 0), number(file, values, "pitch_deg", 0),
                    number(file, values, "roll_deg", 0));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage().replaceFirst("^calibration " + java.util.regex.Pattern.quote(name),
                    "calibration " + file));
        }
    }

    private static CameraCalibration fromCameraJson(Path file) throws IOException {
        io.roadseg.metrics.DepthScenes.Camera c = io.roadseg.metrics.DepthScenes.camera(file);
        if (Double.isNaN(c.cameraHeight())) {
            throw new IOException("camera " + file + ": missing 'camera_height_m' (the camera's height above the "
                    + "road, which the ground plane needs)");
        }
        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
        if (name.equals("camera") && file.toAbsolutePath().getParent() != null) {
            name = file.toAbsolutePath().getParent().getFileName().toString();
        }
        try {
            // camera.json puts pixel centres at integers (OpenCV), this class at +0.5
            return new CameraCalibration(name, c.width(), c.height(), c.fx(), c.fy(), c.cx() + 0.5, c.cy() + 0.5,
                    0, 0, 0, 0, c.cameraHeight(), c.pitchDownDeg(), 0);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage().replaceFirst("^calibration " + java.util.regex.Pattern.quote(name),
                    "camera " + file));
        }
    }

    private static double number(Path file, Map<String, String> values, String key, double fallback)
            throws IOException {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IOException("calibration " + file + ": field '" + key + "' is not a number: " + v);
        }
    }

    /** A width or height: a whole number in 16..8192 (checked here, before narrowing, so huge values are named). */
    private static int size(Path file, Map<String, String> values, String key) throws IOException {
        double d = number(file, values, key, 0);
        if (d != Math.rint(d)) {
            throw new IOException("calibration " + file + ": field '" + key + "' must be a whole number, got "
                    + values.get(key));
        }
        if (d < 16 || d > 8192) {
            throw new IOException("calibration " + file + ": " + key + " must be in 16..8192, got " + values.get(key));
        }
        return (int) d;
    }

    /** The calibration as file text, readable by {@link #read}. */
    public String toText() {
        return String.format(Locale.ROOT, """
                # roadseg camera calibration (format: calibration/README.md)
                name: %s
                width: %d
                height: %d
                fx: %s
                fy: %s
                cx: %s
                cy: %s
                k1: %s
                k2: %s
                p1: %s
                p2: %s
                mount_height_m: %s
                pitch_deg: %s
                roll_deg: %s
                """, name, width, height, fx, fy, cx, cy, k1, k2, p1, p2, mountHeightM, pitchDeg, rollDeg);
    }

    /** Row of the horizon (where a level road meets the sky at infinity) for zero roll, in pixels from the top. */
    public double horizonRow() {
        return cy - fy * StrictMath.tan(StrictMath.toRadians(pitchDeg));
    }

    public boolean hasDistortion() {
        return k1 != 0 || k2 != 0 || p1 != 0 || p2 != 0;
    }

    /**
     * Pixel to ray in the camera frame: the normalised image coordinates (x/z, y/z of the ray in camera coordinates,
     * x right, y down, z forward) of image point (u, v), with the distortion removed by fixed-point iteration.
     * Pixel (u, v)'s centre is at (u + 0.5, v + 0.5). Writes into {@code out[0..1]}.
     */
    public void undistort(double u, double v, double[] out) {
        double xd = (u - cx) / fx;
        double yd = (v - cy) / fy;
        double x = xd;
        double y = yd;
        if (hasDistortion()) {
            for (int i = 0; i < 8; i++) {
                double r2 = x * x + y * y;
                double radial = 1 + k1 * r2 + k2 * r2 * r2;
                double dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
                double dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
                x = (xd - dx) / radial;
                y = (yd - dy) / radial;
            }
        }
        out[0] = x;
        out[1] = y;
    }

    /**
     * Pixel to ray in the road frame under the camera (X right, Y up, Z forward along the road; the camera's
     * optical centre at height {@link #mountHeightM()} above the origin), with lens distortion, roll and pitch
     * applied. The direction is scaled so that its component along the optical axis is 1: the point at ray
     * parameter t lies at depth t. Writes (X, Y, Z) into {@code out[0..2]}.
     *
     * @param u image x, pixels from the left edge (a pixel's centre is at its index + 0.5)
     * @param v image y, pixels from the top edge
     */
    public void rayInRoadFrame(double u, double v, double[] out) {
        undistort(u, v, out);
        double pitch = StrictMath.toRadians(pitchDeg);
        double roll = StrictMath.toRadians(rollDeg);
        double sinPitch = StrictMath.sin(pitch);
        double cosPitch = StrictMath.cos(pitch);
        double sinRoll = StrictMath.sin(roll);
        double cosRoll = StrictMath.cos(roll);
        // undo roll in the image plane, then pitch: camera (x right, y down, z forward) -> road (X, Y up, Z)
        double xr = out[0] * cosRoll - out[1] * sinRoll;
        double yr = out[0] * sinRoll + out[1] * cosRoll;
        out[0] = xr;
        out[1] = -yr * cosPitch - sinPitch;
        out[2] = -yr * sinPitch + cosPitch;
    }
}
