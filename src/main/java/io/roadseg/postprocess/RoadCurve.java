package io.roadseg.postprocess;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The bend of the road ahead, read from the class map: its curvature, so that the vehicle's path
 * ({@link NearestAheadProbe#setPath}) follows the road through a bend instead of running straight out of it into the
 * oncoming lane or the kerb. No yaw rate, steering angle or calibration is needed.
 *
 * <p><b>Reading a frame</b>: from the bottom row up, in each row the span of the road that the previous row's span
 * was centred on — road pixels, with the road users standing on it (a car on the road hides the road, it does not end
 * it). Where a span ends at road next to anything else (pavement, a building, grass), that is an edge of the road;
 * where it ends at a road user (a parked car hiding the edge) or at the picture's border, the row gives no edge
 * there. Rows whose road lies nearer than {@value #MIN_METRES} m (the median depth of the span's road pixels) are
 * left out, and the scan ends at the first row farther than {@value #MAX_METRES} m.
 *
 * <p><b>The fit is in the picture, not in metres</b>: a road edge {@code a} metres beside a path of curvature κ, seen
 * by a camera at height {@code h} on flat ground, lies at column {@code cx + B·v + C / v}, {@code v} the rows below
 * the horizon, {@code B = fx·a / (fy·h)} (one per edge) and {@code C = ½·fx·κ·fy·h} (shared: the edges of a road are
 * parallel). Both edges are fitted together by least squares, the horizon row searched for the least residual; edge
 * points more than three robust standard deviations (at least {@value #TRIM_PIXELS} px) off are dropped and the fit
 * repeated twice, so that an intersection's widening, a driveway or a misread edge does not bend it. The depth sets
 * only the scale, {@code fy·h}: the median of distance × rows below the horizon over the rows nearer than
 * {@value #SCALE_METRES} m, where the network's depth is best. (Fitting the edges in metres, from each row's depth,
 * was measured first and not adopted: a depth that reads far rows too far or too near bends straight edges, and the
 * real dash-cam clip's straight highway read as a bend of radius 120 m.) The path starts along the optical axis: its
 * heading is the camera's (fitting the road's heading too let heading and curvature trade against each other on the
 * real clip, up to 0.15 rad).
 *
 * <p>A frame is read only when at least {@value #MIN_POINTS} edge points span {@value #MIN_SPAN_METRES} m of
 * distance and the bend is one a vehicle follows at speed: a radius of at least {@value #MIN_RADIUS_METRES} m. Over
 * time the readings are smoothed exponentially, time constant {@value #TAU_SECONDS} s; after
 * {@value #HOLD_SECONDS} s without a reading the path relaxes back towards straight at the same rate. A time that
 * goes backwards (a replay looping) starts afresh.
 *
 * <p>The path is the road's bend through the camera: the vehicle is taken to keep its place across the road (its
 * lane). During a lane change the path still runs parallel to the road.
 *
 * <p>Threading: holds scratch arrays; one instance per thread. {@link #update} allocates nothing.
 */
public final class RoadCurve {
    /** Nearest and farthest distance, metres, of the road edges fitted. */
    public static final double MIN_METRES = 3;
    public static final double MAX_METRES = 50;
    /** Fewest edge points, and the least span of their distances (metres), for a frame to be read. */
    public static final int MIN_POINTS = 8;
    public static final double MIN_SPAN_METRES = 12;
    /** Least residual, pixels, at which an edge point is dropped from the fit. */
    public static final double TRIM_PIXELS = 1.5;
    /** Farthest distance, metres, of the rows whose depth gives the road's scale. */
    public static final double SCALE_METRES = 25;
    /** Tightest bend (radius, metres) a reading may show. */
    public static final double MIN_RADIUS_METRES = 100;
    /** Time constant of the smoothing, and how long a reading is held before the path relaxes to straight. */
    public static final double TAU_SECONDS = 0.3;
    public static final double HOLD_SECONDS = 1.0;
    /** Depth samples per row at most (the row's road pixels, evenly spaced). */
    static final int SAMPLES = 64;
    /** The last readings of the horizon kept for {@link #horizonMedian}. */
    static final int HORIZON_READINGS = 1024;
    /** Rows without road, in a row, after which the road is taken to have ended (the horizon, a junction's end). */
    static final int MAX_MISSES = 8;
    private static final int LEFT = 0;
    private static final int RIGHT = 1;

    private final int width;
    private final int height;
    private final int roadId;
    private final boolean[] passable = new boolean[256];
    private final double fx;
    private final double cx;
    private final int searchRadius;

    private final float[] samples = new float[SAMPLES];
    private final float[] rowMetres;
    private final double[] py;
    private final double[] pu;
    private final double[] pz;
    private final int[] side;
    private final boolean[] kept;
    private final float[] residuals;
    private final double[] sums = new double[12];
    private final boolean[] active = new boolean[2];
    private final double[] vv = new double[2];
    private final double[] uv = new double[2];
    private final double[] solution = new double[3];
    private int points;

    private double measuredCurvature = Double.NaN;
    private double measuredHorizon = Double.NaN;
    private final float[] horizons = new float[HORIZON_READINGS];
    private long horizonReadings;
    private double curvature;
    private boolean started;
    private long lastMicros;
    private long lastReadMicros;

    /**
     * @param width      map width (the model's input width)
     * @param height     map height
     * @param roadId     the road's class id
     * @param roadUsers  the class ids of what stands on the road and hides it (cars, pedestrians, bicyclists)
     * @param fx         horizontal focal length in pixels at the map's size (at which the depth holds)
     * @param cx         principal point column at the map's size (pixel centres at integers)
     * @throws IllegalArgumentException when {@code fx} is not positive and finite, {@code cx} not finite or the road
     *                                  id not a class id
     */
    public RoadCurve(int width, int height, int roadId, int[] roadUsers, double fx, double cx) {
        if (!(fx > 0) || Double.isInfinite(fx) || !Double.isFinite(cx) || roadId < 0 || roadId > 255) {
            throw new IllegalArgumentException("a road curve needs a road class id, a positive focal length and a "
                    + "finite principal column; got road " + roadId + ", fx " + fx + ", cx " + cx);
        }
        this.width = width;
        this.height = height;
        this.roadId = roadId;
        this.fx = fx;
        this.cx = cx;
        this.searchRadius = Math.max(2, width / 8);
        passable[roadId] = true;
        for (int id : roadUsers) {
            if (id >= 0 && id < 256) {
                passable[id] = true;
            }
        }
        rowMetres = new float[height];
        py = new double[2 * height];
        pu = new double[2 * height];
        pz = new double[2 * height];
        side = new int[2 * height];
        kept = new boolean[2 * height];
        residuals = new float[2 * height];
    }

    /**
     * Reads one frame and advances the smoothed path.
     *
     * @param micros the frame's time, microseconds (any origin; only differences count)
     * @return whether this frame gave a reading
     */
    public boolean update(long micros, ByteBuffer classIds, FloatBuffer depth) {
        boolean read = measure(classIds, depth);
        double dt = (micros - lastMicros) / 1e6;
        if (started && dt < 0) {
            started = false; // the time went backwards: a replay looping
        }
        if (!started) {
            curvature = read ? measuredCurvature : 0;
            started = read;
            lastReadMicros = micros;
        } else {
            double alpha = 1 - Math.exp(-dt / TAU_SECONDS);
            if (read) {
                curvature += alpha * (measuredCurvature - curvature);
                lastReadMicros = micros;
            } else if ((micros - lastReadMicros) / 1e6 > HOLD_SECONDS) {
                curvature -= alpha * curvature;
            }
        }
        lastMicros = micros;
        return read;
    }

    /** The smoothed curvature of the path, 1/m, positive turning right; 0 before any reading. */
    public double curvature() {
        return curvature;
    }

    /** The last frame's own curvature, or NaN where it gave no reading. */
    public double measuredCurvature() {
        return measuredCurvature;
    }

    /**
     * The row of the horizon the last frame's road edges converge to (on flat ground: where the road's distance goes to
     * infinity), pixel centres at integers; NaN where the frame gave no reading.
     */
    public double measuredHorizon() {
        return measuredHorizon;
    }

    /** Frames whose road gave a horizon so far. */
    public long horizonReadings() {
        return horizonReadings;
    }

    /**
     * The median of the last {@value #HORIZON_READINGS} frames' horizons (NaN before any): the row a calibrated
     * camera's pitch puts the horizon at, read from the road (flat and straight or gently bent). For the end of a
     * run: it copies the readings.
     */
    public double horizonMedian() {
        int n = (int) Math.min(horizonReadings, HORIZON_READINGS);
        if (n == 0) {
            return Double.NaN;
        }
        float[] copy = Arrays.copyOf(horizons, n);
        return FloatSelect.kth(copy, n, n / 2);
    }

    /**
     * The distance, metres, the last frame's road was read at in row {@code y} (the median depth of the road pixels
     * of its span), or NaN where that row gave none: where to draw the path.
     */
    public float rowMetres(int y) {
        return rowMetres[y];
    }

    /** The path's lateral offset at {@code metres} ahead, metres to the right of the camera. */
    public double offsetAt(double metres) {
        return 0.5 * curvature * metres * metres;
    }

    /** The column, at the map's size, where a point {@code lateral} metres right of the axis at {@code metres} is. */
    public double column(double lateral, double metres) {
        return cx + fx * lateral / metres;
    }

    /** Reads one frame into {@link #measuredCurvature} (NaN where it cannot). */
    boolean measure(ByteBuffer classIds, FloatBuffer depth) {
        measuredCurvature = Double.NaN;
        measuredHorizon = Double.NaN;
        Arrays.fill(rowMetres, Float.NaN);
        points = 0;
        int seed = (int) Math.round(Math.max(0, Math.min(width - 1, cx)));
        int misses = 0;
        boolean seen = false;
        for (int y = height - 1; y >= 0; y--) {
            int row = y * width;
            int u = nearestRoad(classIds, row, seed);
            if (u < 0) {
                if (seen && ++misses > MAX_MISSES) {
                    break;
                }
                continue;
            }
            int l = u;
            while (l > 0 && passable[classIds.get(row + l - 1) & 0xff]) {
                l--;
            }
            int r = u;
            while (r < width - 1 && passable[classIds.get(row + r + 1) & 0xff]) {
                r++;
            }
            float metres = roadDepth(classIds, depth, row, l, r);
            if (Float.isNaN(metres)) {
                continue;
            }
            seen = true;
            misses = 0;
            seed = (l + r) >>> 1;
            if (metres < MIN_METRES) {
                continue;
            }
            if (metres > MAX_METRES) {
                break;
            }
            rowMetres[y] = metres;
            if (l > 0 && (classIds.get(row + l) & 0xff) == roadId) {
                add(y, l - 0.5 - cx, metres, LEFT);
            }
            if (r < width - 1 && (classIds.get(row + r) & 0xff) == roadId) {
                add(y, r + 0.5 - cx, metres, RIGHT);
            }
        }
        if (points < MIN_POINTS) {
            return false;
        }
        Arrays.fill(kept, 0, points, true);
        double horizon = Double.NaN;
        for (int round = 0; round < 3; round++) {
            prepare();
            horizon = searchHorizon(horizon);
            if (Double.isNaN(horizon)) {
                return false;
            }
            if (round == 2) {
                break;
            }
            int n = 0;
            for (int i = 0; i < points; i++) {
                residuals[n++] = (float) Math.abs(residual(i, horizon));
            }
            double mad = FloatSelect.kth(residuals, n, n / 2);
            double limit = Math.max(TRIM_PIXELS, 3 * 1.4826 * mad);
            for (int i = 0; i < points; i++) {
                kept[i] = Math.abs(residual(i, horizon)) <= limit;
            }
        }
        // the road's scale: a flat road's distance is K / (y - horizon); K from the nearer rows' depth, where the
        // depth is best
        int n = 0;
        int count = 0;
        double near = Double.POSITIVE_INFINITY;
        double far = 0;
        for (int i = 0; i < points; i++) {
            if (kept[i]) {
                count++;
                near = Math.min(near, pz[i]);
                far = Math.max(far, pz[i]);
                if (pz[i] <= SCALE_METRES) {
                    residuals[n++] = (float) (pz[i] * (py[i] - horizon));
                }
            }
        }
        if (count < MIN_POINTS || far - near < MIN_SPAN_METRES || n < 3) {
            return false;
        }
        double scale = FloatSelect.kth(residuals, n, n / 2);
        double kappa = 2 * solution[2] / (fx * scale);
        if (!(scale > 0) || Math.abs(kappa) > 1 / MIN_RADIUS_METRES) {
            return false;
        }
        measuredCurvature = kappa;
        measuredHorizon = horizon;
        horizons[(int) (horizonReadings++ % HORIZON_READINGS)] = (float) horizon;
        return true;
    }

    /**
     * The horizon row whose least-squares fit of the kept points has the least squared residual, the fit left in
     * {@link #solution}; NaN where no row gives a fit. Searched in steps of 4 rows over half the map's height above
     * the topmost point, then of 1 and ¼ about the best; a later round ({@code around} its horizon) in steps of 1,
     * ¼ and 1/16 within 3 rows of it.
     */
    private double searchHorizon(double around) {
        double top = Double.POSITIVE_INFINITY;
        for (int i = 0; i < points; i++) {
            if (kept[i]) {
                top = Math.min(top, py[i]);
            }
        }
        double best = Double.NaN;
        double bestError = Double.POSITIVE_INFINITY;
        double step = 4;
        double from = top - 1 - height / 2.0;
        double to = top - 1;
        if (!Double.isNaN(around)) { // a refinement of the last round's
            from = around - 3;
            to = Math.min(around + 3, top - 1);
            step = 1;
        }
        for (int pass = 0; pass < 3; pass++) {
            for (double h = to; h >= from; h -= step) {
                double e = fit(h);
                if (e < bestError) {
                    bestError = e;
                    best = h;
                }
            }
            if (Double.isNaN(best)) {
                return Double.NaN;
            }
            from = best - step;
            to = Math.min(best + step, top - 1);
            step /= 4;
        }
        return Double.isNaN(fit(best)) ? Double.NaN : best;
    }

    /** The road column nearest {@code seed} in this row, within the search radius; -1 where there is none. */
    private int nearestRoad(ByteBuffer classIds, int row, int seed) {
        for (int off = 0; off <= searchRadius; off++) {
            if (seed - off >= 0 && (classIds.get(row + seed - off) & 0xff) == roadId) {
                return seed - off;
            }
            if (seed + off < width && (classIds.get(row + seed + off) & 0xff) == roadId) {
                return seed + off;
            }
        }
        return -1;
    }

    /** The median depth of up to {@link #SAMPLES} evenly spaced road pixels of {@code [l, r]}; NaN under 3. */
    private float roadDepth(ByteBuffer classIds, FloatBuffer depth, int row, int l, int r) {
        int step = Math.max(1, (r - l + SAMPLES) / SAMPLES);
        int n = 0;
        for (int x = l; x <= r && n < SAMPLES; x += step) {
            if ((classIds.get(row + x) & 0xff) == roadId) {
                float d = depth.get(row + x);
                if (d > 0 && !Float.isInfinite(d)) {
                    samples[n++] = d;
                }
            }
        }
        return n < 3 ? Float.NaN : FloatSelect.kth(samples, n, n / 2);
    }

    private void add(int y, double u, double metres, int s) {
        py[points] = y;
        pu[points] = u;
        pz[points] = metres;
        side[points] = s;
        points++;
    }

    private double residual(int i, double horizon) {
        double v = py[i] - horizon;
        return pu[i] - (solution[side[i]] * v + solution[2] / v);
    }

    /**
     * The sums over the kept points of each edge that do not depend on the horizon row (count, Σy, Σy², Σu, Σu·y,
     * Σu²), for {@link #fit}; an edge with fewer than two points is left out of the fit.
     */
    private void prepare() {
        Arrays.fill(sums, 0);
        for (int i = 0; i < points; i++) {
            if (kept[i]) {
                int o = 6 * side[i];
                double y = py[i];
                double u = pu[i];
                sums[o] += 1;
                sums[o + 1] += y;
                sums[o + 2] += y * y;
                sums[o + 3] += u;
                sums[o + 4] += u * y;
                sums[o + 5] += u * u;
            }
        }
        for (int s = LEFT; s <= RIGHT; s++) {
            active[s] = sums[6 * s] >= 2;
        }
    }

    /**
     * Least squares of the kept points, for a horizon row, of the edges' columns (from the principal column)
     * {@code B_side·v + C / v}, {@code v} the rows below the horizon: one slope per edge (the edge's lateral offset)
     * and C (the bend); the fit in {@link #solution} (B_left, B_right, C). The normal equations' terms in {@code v}
     * come from {@link #prepare}'s sums; only those in {@code 1/v} take a pass over the points.
     *
     * @return the sum of squared residuals; NaN where the system is singular
     */
    private double fit(double horizon) {
        double g = 0; // Σ 1/v²
        double bc = 0; // Σ u/v
        for (int i = 0; i < points; i++) {
            if (kept[i] && active[side[i]]) {
                double w = 1 / (py[i] - horizon);
                g += w * w;
                bc += pu[i] * w;
            }
        }
        // eliminate each edge's slope: B = (Σu·v − n·C) / Σv², leaving one equation in C
        double reduced = g;
        double rhs = bc;
        double uu = 0;
        for (int s = LEFT; s <= RIGHT; s++) {
            if (!active[s]) {
                vv[s] = 0;
                uv[s] = 0;
                continue;
            }
            int o = 6 * s;
            double n = sums[o];
            vv[s] = sums[o + 2] - 2 * horizon * sums[o + 1] + n * horizon * horizon; // Σ v²
            uv[s] = sums[o + 4] - horizon * sums[o + 3]; // Σ u·v
            if (!(vv[s] > 1e-9)) {
                return Double.NaN;
            }
            reduced -= n * n / vv[s];
            rhs -= n * uv[s] / vv[s];
            uu += sums[o + 5];
        }
        if (!(reduced > 1e-12 * g)) {
            return Double.NaN;
        }
        double c = rhs / reduced;
        double explained = c * bc;
        for (int s = LEFT; s <= RIGHT; s++) {
            solution[s] = active[s] ? (uv[s] - sums[6 * s] * c) / vv[s] : 0;
            explained += solution[s] * uv[s];
        }
        solution[2] = c;
        return Math.max(0, uu - explained);
    }
}
