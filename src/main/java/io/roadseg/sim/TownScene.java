package io.roadseg.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.roadseg.sim.SceneClasses.*;

/**
 * A procedural town road, fully determined by its seed: the road's curvature along its length, its lanes and
 * pavements, building facades and fences in 10 m cells with gaps and intersections, poles, signs and trees in 6 m
 * cells, and moving cars, pedestrians and bicyclists. Positions are in road coordinates: {@code s} metres along the
 * road, {@code l} metres to the right of its centre line. The look of the drive (colours, sun, haze, noise) is
 * randomised from the same seed ({@link #style}).
 *
 * <p>Two layouts share this code. The <em>town</em> puts every facade at the back of the pavement. The
 * <em>suburb</em> ({@code sim://suburb}) sets most houses back behind front lawns (6–25 m, per side and drive), makes
 * them lower (4.5–10 m) with more gaps between them, and puts a tree line 4–30 m behind them (75 % of the cells,
 * 7–20 m high, its top uneven): roadsides whose vegetation and buildings stand well away from the road, which the
 * town, where everything beside the road is near, never shows the depth decoder. The town's drives render bit for
 * bit as they did before the suburb existed.
 *
 * <p>Everything is derived by integer hashing or from one {@link SplittableRandom} at construction, so a scene is
 * bit-identical on every machine. Immutable after construction; safe to share between threads.
 */
public final class TownScene {
    /** Length of a facade cell and of a street-furniture cell, metres. */
    static final double FACADE_CELL = 10;
    static final double FURNITURE_CELL = 6;
    /** An intersection every {@code INTERSECTION_PERIOD} metres, {@code INTERSECTION_WIDTH} wide. */
    static final double INTERSECTION_PERIOD = 170;
    static final double INTERSECTION_WIDTH = 14;

    final long seed;
    /** The suburb layout (setbacks, lower houses, tree lines); false for the town. */
    final boolean suburb;
    final int lanes;
    final double laneWidth = 3.5;
    final double roadHalf;
    final double pavement;
    /** Lateral position of the camera's lane centre (right-hand traffic, the rightmost forward lane). */
    final double egoLane;
    final Style style;
    /** Lateral offsets of the surface lines ({@link #surfaceLine}), left side then right, fixed per scene. */
    private final double[] surfaceLines = new double[6];
    private final double[] curveStart;
    private final double[] curvature;
    final List<Mover> movers = new ArrayList<>();

    /** Domain randomisation of a drive's look; all colours BGR 0..255. */
    static final class Style {
        final int[][] classColor = new int[COUNT][3];
        final int[] skyTop = new int[3];
        final int[] skyHorizon = new int[3];
        final int[] haze = new int[3];
        final double sunX;
        final double sunY;
        final double sunZ;
        final double ambient;
        final double brightness;
        final double hazeDistance;
        final int noise;
        final int[][] facadePalette = new int[6][3];
        final int[][] carPalette = new int[8][3];
        final int[][] clothPalette = new int[8][3];

        Style(SplittableRandom r) {
            int[][] base = {
                    {235, 200, 150}, {120, 135, 160}, {110, 115, 120}, {95, 92, 90}, {150, 155, 160},
                    {60, 120, 70}, {40, 40, 200}, {80, 100, 120}, {60, 60, 180}, {90, 70, 140}, {160, 90, 40}};
            for (int c = 0; c < COUNT; c++) {
                int common = r.nextInt(-30, 31);
                for (int k = 0; k < 3; k++) {
                    classColor[c][k] = clamp(base[c][k] + common + r.nextInt(-8, 9));
                }
            }
            for (int k = 0; k < 3; k++) {
                skyTop[k] = clamp(new int[]{210, 150, 90}[k] + r.nextInt(-30, 31));
                skyHorizon[k] = clamp(new int[]{245, 225, 205}[k] + r.nextInt(-20, 21));
                haze[k] = clamp(new int[]{215, 210, 205}[k] + r.nextInt(-20, 21));
            }
            for (int[] p : facadePalette) {
                int tone = r.nextInt(90, 200);
                p[0] = clamp(tone + r.nextInt(-40, 20));
                p[1] = clamp(tone + r.nextInt(-30, 30));
                p[2] = clamp(tone + r.nextInt(-10, 50));
            }
            for (int[] p : carPalette) {
                for (int k = 0; k < 3; k++) {
                    p[k] = r.nextInt(20, 235);
                }
            }
            for (int[] p : clothPalette) {
                for (int k = 0; k < 3; k++) {
                    p[k] = r.nextInt(15, 200);
                }
            }
            double az = r.nextDouble(-2.5, 2.5);
            double el = r.nextDouble(0.25, 1.2);
            sunX = StrictMath.sin(az) * StrictMath.cos(el);
            sunY = StrictMath.sin(el);
            sunZ = StrictMath.cos(az) * StrictMath.cos(el);
            ambient = r.nextDouble(0.35, 0.6);
            brightness = r.nextDouble(0.75, 1.15);
            hazeDistance = r.nextDouble(90, 400);
            noise = r.nextInt(1, 5);
        }

        private static int clamp(int v) {
            return Math.max(0, Math.min(255, v));
        }
    }

    /** Something that moves along the road: a car, a pedestrian or a bicyclist, as a box. */
    static final class Mover {
        final int cls;
        final double s0;
        final double speed;
        final double l;
        final double halfWidth;
        final double height;
        final double halfLength;
        final int color;

        Mover(int cls, double s0, double speed, double l, double halfWidth, double height, double halfLength,
              int color) {
            this.cls = cls;
            this.s0 = s0;
            this.speed = speed;
            this.l = l;
            this.halfWidth = halfWidth;
            this.height = height;
            this.halfLength = halfLength;
            this.color = color;
        }

        double s(double t) {
            return s0 + speed * t;
        }
    }

    /**
     * @param egoSpeed the camera car's speed, m/s (cars in its lane are placed ahead and drive faster)
     * @param length   metres of road the drive covers (movers are spread over it)
     */
    public TownScene(long seed, double egoSpeed, double length) {
        this(seed, egoSpeed, length, 1, false);
    }

    /** @param suburb the suburb layout instead of the town's (same roads, furniture and movers for a seed) */
    public TownScene(long seed, double egoSpeed, double length, boolean suburb) {
        this(seed, egoSpeed, length, 1, suburb);
    }

    /**
     * @param moverDensity how many times the usual number of cars, pedestrians and bicyclists (1 = the usual town;
     *                     the renderer benchmark raises it to show that cost follows screen area, not object count)
     */
    TownScene(long seed, double egoSpeed, double length, double moverDensity, boolean suburb) {
        this.seed = seed;
        this.suburb = suburb;
        SplittableRandom r = new SplittableRandom(seed);
        lanes = 2 + 2 * r.nextInt(0, 2); // 2 or 4 lanes, half each way
        roadHalf = lanes * laneWidth / 2;
        pavement = r.nextDouble(2.0, 4.5);
        for (int side = -1; side <= 1; side += 2) { // from hashes, not r: the town's draws stay as they were
            double setback = 6 + 19 * unit(0, side, 40);
            int o = side < 0 ? 0 : 3;
            surfaceLines[o] = facadeLine();
            surfaceLines[o + 1] = facadeLine() + setback;
            surfaceLines[o + 2] = facadeLine() + setback + 4 + 26 * unit(0, side, 41);
        }
        egoLane = laneWidth / 2;
        style = new Style(r);
        int segments = (int) (length / 60) + 8;
        curveStart = new double[segments];
        curvature = new double[segments];
        double s = -50;
        for (int i = 0; i < segments; i++) {
            curveStart[i] = s;
            curvature[i] = i % 2 == 0 ? 0 : (r.nextBoolean() ? 1 : -1) / r.nextDouble(120, 400);
            s += r.nextDouble(60, 180);
        }
        double span = length + 300;
        int cars = (int) (span / 25 * moverDensity);
        for (int i = 0; i < cars; i++) {
            int lane = r.nextInt(0, lanes);
            boolean forward = lane >= lanes / 2;
            double l = -roadHalf + laneWidth * (lane + 0.5) + r.nextDouble(-0.3, 0.3);
            double speed;
            double s0 = r.nextDouble(-50, span);
            if (forward && Math.abs(l - egoLane) < laneWidth / 2) {
                speed = egoSpeed + r.nextDouble(1.0, 4.0);
                s0 = Math.max(s0, 12 + i * 0.1);
            } else {
                speed = forward ? r.nextDouble(5, 15) : -r.nextDouble(8, 15);
            }
            movers.add(new Mover(CAR, s0, speed, l, r.nextDouble(0.85, 1.0), r.nextDouble(1.35, 1.75),
                    r.nextDouble(2.0, 2.5), r.nextInt(0, 8)));
        }
        int walkers = (int) (span / 18 * moverDensity);
        for (int i = 0; i < walkers; i++) {
            double side = r.nextBoolean() ? 1 : -1;
            movers.add(new Mover(PEDESTRIAN, r.nextDouble(-50, span), r.nextDouble(-1.6, 1.6),
                    side * (roadHalf + r.nextDouble(0.4, pavement - 0.3)), r.nextDouble(0.22, 0.3),
                    r.nextDouble(1.55, 1.9), r.nextDouble(0.15, 0.25), r.nextInt(0, 8)));
        }
        int riders = (int) (span / 60 * moverDensity);
        for (int i = 0; i < riders; i++) {
            movers.add(new Mover(BICYCLIST, r.nextDouble(0, span), r.nextDouble(3, 7),
                    roadHalf - r.nextDouble(0.5, 0.9), 0.3, r.nextDouble(1.6, 1.8), 0.85, r.nextInt(0, 8)));
        }
    }

    /** Road curvature (1/m, positive turning right) at distance {@code s}. */
    double curvature(double s) {
        int lo = 0;
        int hi = curveStart.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (curveStart[mid] <= s) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return curvature[lo];
    }

    boolean inIntersection(double s) {
        double m = s - Math.floor(s / INTERSECTION_PERIOD) * INTERSECTION_PERIOD;
        return m >= INTERSECTION_PERIOD - INTERSECTION_WIDTH && s > 40;
    }

    /** Integer hash of (seed, a, b, c): the source of every per-cell decision. */
    static int hash(long seed, long a, long b, long c) {
        long h = seed * 0x9E3779B97F4A7C15L + a * 0xC2B2AE3D27D4EB4FL + b * 0x165667B19E3779F9L
                + c * 0x27D4EB2F165667C5L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h & 0x7fffffff;
    }

    /** Facade height in a cell on one side (side −1 left, +1 right): > 0 a building, < 0 a fence, 0 nothing. */
    double facadeHeight(long cell, int side) {
        int h = hash(seed, 11, cell, side);
        int kind = h % 100;
        if (suburb) { // houses with gaps between them: 55 % house, 15 % fence, 30 % open
            return kind < 55 ? 4.5 + ((h >>> 8) % 12) * 0.5 : kind < 70 ? -1.3 : 0;
        }
        if (kind < 72) {
            return 6 + (h >>> 8) % 20;
        }
        if (kind < 86) {
            return -1.3;
        }
        return 0;
    }

    int facadeColor(long cell, int side) {
        return hash(seed, 12, cell, side) % 6;
    }

    /** Lateral distance of the facade line from the centre line (the back of the pavement). */
    double facadeLine() {
        return roadHalf + pavement;
    }

    /** How many lines parallel to the road may carry facades or trees on one side: 1 in the town, 3 in the suburb. */
    int surfaceLines() {
        return suburb ? 3 : 1;
    }

    /**
     * Lateral distance from the centre line of surface line {@code k} on one side: 0 the back of the pavement; in the
     * suburb 1 the set-back house fronts, 2 the tree line behind them.
     */
    double surfaceLine(int k, int side) {
        return surfaceLines[(side < 0 ? 0 : 3) + k];
    }

    /**
     * Which line a cell's facade (building or fence) stands on: always 0 in the town; in the suburb fences stay at
     * the pavement, and 85 % of houses are set back.
     */
    int facadeLineOf(long cell, int side) {
        if (!suburb || facadeHeight(cell, side) <= 0) {
            return 0;
        }
        return hash(seed, 13, cell, side) % 100 < 85 ? 1 : 0;
    }

    /**
     * Height of the suburb's tree line at distance {@code s} along the road on one side, metres; 0 where a cell has
     * none (and always in the town). The top varies every 2 m, as crowns do.
     */
    double treeLineHeight(double s, int side) {
        if (!suburb) {
            return 0;
        }
        long cell = (long) Math.floor(s / FACADE_CELL);
        if (hash(seed, 14, cell, side) % 100 >= 75) {
            return 0;
        }
        long crown = (long) Math.floor(s / 2);
        return 7 + 9 * unit(cell, side, 42) + 4 * ((hash(seed, 15, crown, side) & 0xff) / 255.0);
    }

    /** Street furniture in a cell on one side: 0 none, 1 pole, 2 pole with sign, 3 tree. */
    int furniture(long cell, int side) {
        int h = hash(seed, 21, cell, side) % 100;
        return h < 22 ? 1 : h < 36 ? 2 : h < 62 ? 3 : 0;
    }

    /** A value in [0, 1) fixed per (cell, side, salt). */
    double unit(long cell, int side, int salt) {
        return (hash(seed, 30 + salt, cell, side) & 0xffff) / 65536.0;
    }
}
