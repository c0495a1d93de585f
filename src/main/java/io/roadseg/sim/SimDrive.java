package io.roadseg.sim;

import java.util.Locale;

/**
 * A synthetic drive: a {@link TownScene} from a seed, driven through at a constant speed with a calibrated camera,
 * frame by frame. Frame {@code i} depends only on the parameters and {@code i}: the same seed and parameters give
 * bit-identical images, labels and depth on any machine.
 *
 * <p>Threading: immutable and safe to share; {@link #render} runs on the calling thread with the caller's renderer,
 * which belongs to one thread.
 *
 * @param scene    scene name: {@code town} (facades at the back of the pavement) or {@code suburb} (houses set
 *                 back behind lawns, tree lines behind them; {@link TownScene})
 * @param seed     scene and look
 * @param frames   frames in the drive
 * @param fps      frames per second
 * @param speedKmh camera car speed
 */
public record SimDrive(String scene, long seed, int frames, double fps, double speedKmh,
                       CameraCalibration camera) {
    public SimDrive {
        if (!scene.equals("town") && !scene.equals("suburb")) {
            throw new IllegalArgumentException("scene '" + scene + "' is unknown (known: town, suburb)");
        }
        if (frames < 1 || frames > 1_000_000) {
            throw new IllegalArgumentException("frames must be in 1..1000000, got " + frames);
        }
        if (!(fps >= 1 && fps <= 240)) {
            throw new IllegalArgumentException("fps must be in 1..240, got " + fps);
        }
        if (!(speedKmh >= 0 && speedKmh <= 200)) {
            throw new IllegalArgumentException("speed must be in 0..200 km/h, got " + speedKmh);
        }
    }

    public double speed() {
        return speedKmh / 3.6;
    }

    public TownScene buildScene() {
        return new TownScene(seed, speed(), speed() * frames / fps + 50, scene.equals("suburb"));
    }

    /** Renders frame {@code index} into the given arrays (sizes as for {@link RoadSceneRenderer#render}). */
    public void render(TownScene town, RoadSceneRenderer renderer, int index, byte[] bgr, byte[] classIds,
                       float[] depth) {
        double t = index / fps;
        renderer.render(town, 5 + speed() * t, t, index, bgr, classIds, depth); // 5 m in: pathCurvature's too
    }

    /**
     * The curvature, 1/m, positive turning right, of the road at the camera in frame {@code index}: the camera drives
     * along its lane, heading along it, so this is the curvature of its path (the renderer bends the whole road it
     * sees by it).
     */
    public double pathCurvature(TownScene town, int index) {
        return town.curvature(5 + speed() * index / fps);
    }

    public String describe() {
        return String.format(Locale.ROOT, "sim://%s?seed=%d&frames=%d&fps=%s&speed=%s (%s %dx%d)", scene, seed, frames,
                trim(fps), trim(speedKmh), camera.name(), camera.width(), camera.height());
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
