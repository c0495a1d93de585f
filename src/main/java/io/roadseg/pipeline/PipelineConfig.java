package io.roadseg.pipeline;

import io.roadseg.engine.ModelInfo;
import io.roadseg.postprocess.NearestAheadProbe;
import io.roadseg.postprocess.RoadCurve;
import io.roadseg.preprocess.Rectification;

/**
 * How to run the ring.
 *
 * @param mode      capture policy (see {@link PipelineMode})
 * @param ringSize  slots in the ring, a power of 2 (frames in flight at most)
 * @param waitKind  how idle stages wait for work
 * @param maxFrames stop after this many frames have been read from the source (≤ 0: until the source ends); in
 *                  the dropping modes a frame dropped at capture counts too, so that N covers a recording's first N
 *                  frames in every mode and each of them is processed, dropped or skipped stale
 * @param hud        draw the heads-up display on the annotated picture
 * @param depthScale factor applied to the model's depth: the camera's focal length (at the model's input size)
 *                   over the one the model was trained for; 1 when they agree
 * @param groundPlane the calibrated camera's road geometry at the model's input size, to fuse with the network's
 *                    depth ({@link io.roadseg.postprocess.GroundPlaneDepth}); null for the network's depth alone
 * @param path        the corridor the lead road user is looked for in ({@link io.roadseg.postprocess.LeadTracker})
 * @param showUncertain draw the pixels whose class the network is unsure of (confidence under
 *                    {@link io.roadseg.postprocess.ClassMaps#UNCERTAIN_BELOW}) without their class colour, the camera's
 *                    picture showing through, so the annotated video shows what the network does not know
 * @param lens        the calibrated camera's distortion and roll at the model's input size, undone on every picture
 *                    before the network ({@link Rectification}; every result is then the rectified camera's); null
 *                    for a camera taken as a level pinhole
 */
public record PipelineConfig(PipelineMode mode, int ringSize, WaitKind waitKind, long maxFrames, boolean hud,
                             double depthScale, GroundPlane groundPlane, Path path, boolean showUncertain,
                             Rectification.Lens lens) {

    /** A camera taken as a level pinhole. */
    public PipelineConfig(PipelineMode mode, int ringSize, WaitKind waitKind, long maxFrames, boolean hud,
                          double depthScale, GroundPlane groundPlane, Path path, boolean showUncertain) {
        this(mode, ringSize, waitKind, maxFrames, hud, depthScale, groundPlane, path, showUncertain, null);
    }

    /** Every pixel in its class's colour, whatever the network's confidence. */
    public PipelineConfig(PipelineMode mode, int ringSize, WaitKind waitKind, long maxFrames, boolean hud,
                          double depthScale, GroundPlane groundPlane, Path path) {
        this(mode, ringSize, waitKind, maxFrames, hud, depthScale, groundPlane, path, false);
    }

    /**
     * A camera's road geometry at the model's input size.
     *
     * @param fy           vertical focal length, pixels at the input size
     * @param cy           principal point row, pixels at the input size
     * @param cameraHeight metres above the road
     * @param pitchDownDeg downward pitch of the optical axis, degrees
     */
    public record GroundPlane(double fy, double cy, double cameraHeight, double pitchDownDeg) {
    }
    /**
     * The vehicle's path: a corridor ahead of the camera, {@code halfWidthMetres} each side of its centre line
     * ({@link NearestAheadProbe#inPath}), shaped as {@link Shape} says.
     *
     * @param halfWidthMetres half the corridor's width, metres
     * @param principalX      the camera's principal point column at the model's input size (pixel centres at
     *                        integers); NaN for the centre of the picture
     * @param shape           how the corridor bends
     */
    public record Path(double halfWidthMetres, double principalX, Shape shape) {
        /** Half of one 3.5 m lane, following the road; principal point at the centre. */
        public static final Path DEFAULT = new Path(1.75, Double.NaN, Shape.ROAD);

        /** How the path bends. */
        public enum Shape {
            /** Along the road's bend read in each frame ({@link RoadCurve}). */
            ROAD,
            /** Straight along the optical axis. */
            STRAIGHT,
            /**
             * Along the curvature the vehicle is driving: its yaw rate over its speed, from the source where it records
             * it ({@link io.roadseg.source.FrameSource#vehicleCurvature}: a recording's {@code ego.csv}, a synthetic
             * drive, an MCAP file's odometry) or else from {@link Pipeline#vehicleMotion()}; along the road in frames
             * that have neither.
             */
            VEHICLE
        }

        public Path {
            java.util.Objects.requireNonNull(shape, "shape");
            if (!(halfWidthMetres > 0) || Double.isInfinite(halfWidthMetres)) {
                throw new IllegalArgumentException("the path's half-width must be positive and finite, got "
                        + halfWidthMetres);
            }
            if (Double.isInfinite(principalX)) {
                throw new IllegalArgumentException("principal column must be finite or NaN, got " + principalX);
            }
        }

        /** A path of this width about this principal column that follows the road (as before it could bend). */
        public Path(double halfWidthMetres, double principalX) {
            this(halfWidthMetres, principalX, Shape.ROAD);
        }

        /** The principal column for a map {@code width} wide: {@link #principalX}, or the centre when NaN. */
        public double principalX(int width) {
            return Double.isNaN(principalX) ? (width - 1) / 2.0 : principalX;
        }

        /**
         * The probe of this path for a model's maps, at the focal length its depth holds for: the model's, times the
         * depth scale (the {@code --calib} camera's or a source's own at the input size).
         *
         * @param roadUsers the class ids to read (ids the model lacks ignored)
         * @return the probe; null when the model does not say its focal length
         */
        public NearestAheadProbe probe(ModelInfo model, double depthScale, int[] roadUsers) {
            double fx = model.focalPx() * depthScale;
            if (!(fx > 0) || Double.isInfinite(fx)) {
                return null;
            }
            return NearestAheadProbe.inPath(model.inputWidth(), model.inputHeight(),
                    model.classCount(), roadUsers, fx, principalX(model.inputWidth()), halfWidthMetres);
        }

        /**
         * The reader of the road's shape that bends this path, at the same focal length as {@link #probe}.
         *
         * @return null for a straight path, or when the model says no focal length or has no road class (a path
         *         shaped by the vehicle has one too: for the frames without a vehicle reading)
         */
        public RoadCurve curve(ModelInfo model, double depthScale, int[] roadUsers) {
            double fx = model.focalPx() * depthScale;
            int road = model.classNames().indexOf("road");
            if (shape == Shape.STRAIGHT || !(fx > 0) || Double.isInfinite(fx) || road < 0) {
                return null;
            }
            return new RoadCurve(model.inputWidth(), model.inputHeight(), road, roadUsers, fx,
                    principalX(model.inputWidth()));
        }
    }

    public PipelineConfig {
        java.util.Objects.requireNonNull(path, "path");
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ringSize must be a power of 2 and at least 2, got " + ringSize);
        }
        if (!(depthScale > 0) || Double.isInfinite(depthScale)) {
            throw new IllegalArgumentException("depthScale must be positive and finite, got " + depthScale);
        }
    }

    /** Replay defaults: every frame, 8 slots, parking waits, HUD on. */
    public static PipelineConfig defaults(PipelineMode mode) {
        return new PipelineConfig(mode, mode == PipelineMode.EVERY_FRAME ? 8 : 4, WaitKind.PARKING, 0, true, 1.0,
                null, Path.DEFAULT);
    }

    /** Defaults for a source: {@link PipelineMode#LIVE} when it is live, else paced or every frame. */
    public static PipelineConfig forSource(io.roadseg.source.SourceInfo source, boolean pace) {
        return defaults(source.live() ? PipelineMode.LIVE : pace ? PipelineMode.PACED : PipelineMode.EVERY_FRAME);
    }

    public PipelineConfig withMaxFrames(long n) {
        return new PipelineConfig(mode, ringSize, waitKind, n, hud, depthScale, groundPlane, path, showUncertain, lens);
    }

    public PipelineConfig withWait(WaitKind w) {
        return new PipelineConfig(mode, ringSize, w, maxFrames, hud, depthScale, groundPlane, path,
                showUncertain, lens);
    }

    public PipelineConfig withHud(boolean on) {
        return new PipelineConfig(mode, ringSize, waitKind, maxFrames, on, depthScale, groundPlane, path,
                showUncertain, lens);
    }

    public PipelineConfig withDepthScale(double scale) {
        return new PipelineConfig(mode, ringSize, waitKind, maxFrames, hud, scale, groundPlane, path,
                showUncertain, lens);
    }

    /** @return a copy fusing depth with this ground plane (null: none) */
    public PipelineConfig withGroundPlane(GroundPlane plane) {
        return new PipelineConfig(mode, ringSize, waitKind, maxFrames, hud, depthScale, plane, path,
                showUncertain, lens);
    }

    /** @return a copy looking for the lead road user in this corridor */
    public PipelineConfig withPath(Path p) {
        return new PipelineConfig(mode, ringSize, waitKind, maxFrames, hud, depthScale, groundPlane, p,
                showUncertain, lens);
    }

    /** @return a copy drawing the uncertain pixels without their class colour, or not */
    public PipelineConfig withShowUncertain(boolean on) {
        return new PipelineConfig(mode, ringSize, waitKind, maxFrames, hud, depthScale, groundPlane, path, on, lens);
    }

    /** @return a copy undoing this lens's distortion and roll on every picture (null: none) */
    public PipelineConfig withLens(Rectification.Lens l) {
        return new PipelineConfig(mode, ringSize, waitKind, maxFrames, hud, depthScale, groundPlane, path,
                showUncertain, l == null || l.isPinholeAndLevel() ? null : l);
    }

    public PipelineConfig withRingSize(int n) {
        return new PipelineConfig(mode, n, waitKind, maxFrames, hud, depthScale, groundPlane, path,
                showUncertain, lens);
    }
}
