package io.roadseg.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Folders of real images with metric depth ground truth in the KITTI convention: a scene is any folder holding a
 * {@code camera.json} (pinhole intrinsics {@code fx, fy, cx, cy} in pixels of the stored images, their
 * {@code width} and {@code height}, optionally {@code camera_height_m}, {@code optical_axis_pitch_down_deg} and
 * {@code depth_scale}), with {@code image/NAME.png|jpg} and {@code depth/NAME.png} (16-bit, metres = value /
 * {@code depth_scale}, 256 as KITTI's where not given; 0 = no measurement) paired by base name. A camera.json is
 * JSON: a field read that is not a number, or a file that is not JSON, is an error naming it.
 * Listing validates everything that can be checked without decoding pixels; each error names the file and the
 * problem.
 *
 * <p>Immutable after {@link #list}; safe to share.
 */
public final class DepthScenes {
    /** Units of a KITTI depth PNG's value per metre. */
    public static final double KITTI_DEPTH_SCALE = 256.0;

    /**
     * One scene's camera.
     *
     * @param cameraHeight metres above the ground, or NaN when the file does not say
     * @param depthScale   the depth PNGs' value per metre (256, KITTI's, where the file does not say)
     * @param pitchDownDeg downward pitch of the optical axis ({@code optical_axis_pitch_down_deg}), 0 when not given
     */
    public record Camera(double fx, double fy, double cx, double cy, int width, int height, double cameraHeight,
                         double pitchDownDeg, double depthScale) {
    }

    /** One frame: its image, its depth PNG, its scene's name and camera. */
    public record Frame(String scene, String name, Path image, Path depth, Camera camera) {
        /** @return whether KITTI's evaluation conventions apply (Eigen crop): a scene named {@code kitti…} */
        public boolean kitti() {
            return scene.toLowerCase(Locale.ROOT).startsWith("kitti");
        }
    }

    /** The fields read, each a number. */
    private static final java.util.Set<String> KNOWN = java.util.Set.of("fx", "fy", "cx", "cy", "width", "height",
            "camera_height_m", "optical_axis_pitch_down_deg", "depth_scale");

    private DepthScenes() {
    }

    /**
     * @param root a scene folder or a folder of scene folders (searched recursively)
     * @return every frame, scenes in name order, frames in name order
     * @throws IOException naming the file and problem: no scenes, a camera.json missing a field or with a
     *                     non-positive focal length or size, images and depth files that do not pair up
     */
    public static List<Frame> list(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("depth data " + root + ": no such folder");
        }
        List<Path> cameras;
        try (Stream<Path> s = Files.walk(root)) {
            cameras = s.filter(p -> p.getFileName().toString().equals("camera.json")).sorted().toList();
        }
        if (cameras.isEmpty()) {
            throw new IOException("depth data " + root + ": no scene (a folder with camera.json, image/ and depth/)");
        }
        List<Frame> frames = new ArrayList<>();
        for (Path json : cameras) {
            Path scene = json.getParent();
            Camera camera = camera(json);
            Map<String, Path> images = byStem(scene.resolve("image"), scene);
            Map<String, Path> depths = byStem(scene.resolve("depth"), scene);
            for (String name : images.keySet()) {
                if (!depths.containsKey(name)) {
                    throw new IOException("depth data " + images.get(name) + ": no depth file depth/" + name
                            + ".png beside it");
                }
            }
            for (String name : depths.keySet()) {
                if (!images.containsKey(name)) {
                    throw new IOException("depth data " + depths.get(name) + ": no image image/" + name
                            + ".png|jpg for it");
                }
                if (!depths.get(name).getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                    throw new IOException("depth data " + depths.get(name) + ": depth must be a 16-bit PNG");
                }
            }
            String sceneName = root.equals(scene) ? scene.getFileName().toString()
                    : root.relativize(scene).toString();
            for (String name : images.keySet()) {
                frames.add(new Frame(sceneName, name, images.get(name), depths.get(name), camera));
            }
        }
        return List.copyOf(frames);
    }

    private static Map<String, Path> byStem(Path dir, Path scene) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("depth data " + scene + ": no " + dir.getFileName() + "/ folder beside camera.json");
        }
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String f = p.getFileName().toString();
                String lower = f.toLowerCase(Locale.ROOT);
                if (!(lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg"))) {
                    continue;
                }
                String stem = f.substring(0, f.lastIndexOf('.'));
                Path previous = out.put(stem, p);
                if (previous != null) {
                    throw new IOException("depth data " + p + ": two files named " + stem + " (" + previous
                            .getFileName() + " too)");
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException("depth data " + dir + ": no images");
        }
        return out;
    }

    /** Reads and checks a camera.json. */
    public static Camera camera(Path json) throws IOException {
        if (Files.isDirectory(json)) {
            throw new IOException("camera " + json + ": is a folder, expected a camera.json file");
        }
        String text = Files.readString(json);
        Object doc;
        try {
            doc = io.roadseg.ros.Json.parse(text);
        } catch (RuntimeException e) {
            throw new IOException("camera " + json + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (!(doc instanceof Map)) {
            throw new IOException("camera " + json + ": not a JSON object of the camera's fields");
        }
        Map<String, Double> values = new TreeMap<>();
        for (Map.Entry<String, Object> e : io.roadseg.ros.Json.object(doc).entrySet()) {
            if (e.getValue() instanceof Double v) {
                values.put(e.getKey(), v);
            } else if (KNOWN.contains(e.getKey())) {
                throw new IOException("camera " + json + ": " + e.getKey() + " = " + e.getValue()
                        + " is not a number");
            }
        }
        for (String key : new String[] {"fx", "fy", "cx", "cy", "width", "height"}) {
            Double v = values.get(key);
            if (v == null) {
                throw new IOException("camera " + json + ": missing '" + key + "'");
            }
            if (!Double.isFinite(v)) {
                throw new IOException("camera " + json + ": " + key + " = " + v + " is not finite");
            }
        }
        for (String key : new String[] {"fx", "fy", "width", "height"}) {
            if (!(values.get(key) > 0)) {
                throw new IOException("camera " + json + ": " + key + " = " + values.get(key) + " must be positive");
            }
        }
        if (values.get("fx") > 100 * values.get("width") || values.get("fy") > 100 * values.get("height")) {
            throw new IOException("camera " + json + ": fx = " + values.get("fx") + ", fy = " + values.get("fy")
                    + " for a " + values.get("width").intValue() + " pixels wide picture: not a camera's focal length "
                    + "in pixels");
        }
        Double h = values.get("camera_height_m");
        if (h != null && !(h > 0 && h < 100)) {
            throw new IOException("camera " + json + ": camera_height_m = " + h + " must be in (0, 100) m");
        }
        double scale = values.getOrDefault("depth_scale", KITTI_DEPTH_SCALE);
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IOException("camera " + json + ": depth_scale = " + scale + " must be positive (the depth PNGs' "
                    + "value per metre; KITTI's is 256)");
        }
        return new Camera(values.get("fx"), values.get("fy"), values.get("cx"), values.get("cy"),
                values.get("width").intValue(), values.get("height").intValue(), h == null ? Double.NaN : h,
                values.getOrDefault("optical_axis_pitch_down_deg", 0.0), scale);
    }
}
