package io.roadseg.postprocess;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The nearest road user of each kind in the path ahead, read column by column over the centre band that
 * {@link RoadAheadProbe} looks along (the middle fifth of the image). In each column, the lowest run of a tracked
 * class's pixels is the nearest of its kind there — objects standing on the road appear lower in the picture the
 * nearer they are — and the median depth of that run is its distance (a median, so that the few pixels at the run's
 * ends that carry the depth of the road in front or the scene behind do not move it). Over the band, the class's
 * distance is the {@linkplain #PERCENTILE 10th percentile} of its columns' distances: the nearest, without
 * trusting one column. A class whose runs of at least {@value #MIN_RUN} pixels are in fewer than
 * {@link #MIN_COLUMN_SHARE} of the band's columns (at least {@value #MIN_COLUMNS}) is not reported: a few stray pixels
 * are not an object.
 *
 * <p>"Ahead" is the band, not the lane: far away it also covers the pavements. Counting only the runs that stand on a
 * road pixel was measured (2026-11-28, the town drive and synthetic seed 999 against their truth) and not adopted: the
 * object's whole reading then hangs on the class of the one pixel under it, and bicyclists were missed in 67 frames
 * of the town drive instead of 44.
 *
 * <p><b>In the path</b> ({@link #inPath}): the same reading over every column of the image, keeping a column's run
 * only where it stands within a corridor straight ahead of the camera — its lateral offset {@code (x − cx)·d / fx},
 * from the run's own distance {@code d}, within half the corridor's width of the optical axis. The band widens with
 * distance (a fifth of the picture is ±1.3 m at 10 m and ±6.5 m at 50 m for the shipped model's camera) and takes in
 * the next lane and the pavements far away; the corridor keeps one width at every distance. It is straight unless
 * {@link #setPath} bends it (the pipeline bends it along the road's shape, {@link RoadCurve}), and it starts at the
 * camera, so a camera mounted off the car's centre line shifts it.
 *
 * <p>Threading: holds scratch arrays; one instance per thread. {@link #measure} and {@link #apparentHeight} allocate
 * nothing.
 */
public final class NearestAheadProbe {
    /** Share of a class's columns nearer than the distance reported. */
    public static final double PERCENTILE = 0.10;
    /** Fewest pixels of a column's lowest run of a class for that column to count. */
    public static final int MIN_RUN = 2;
    /** Share of the band's columns a class must be seen in to be reported. */
    public static final double MIN_COLUMN_SHARE = 0.02;
    /** Fewest columns a class must be seen in, however narrow the band. */
    public static final int MIN_COLUMNS = 2;
    /** Share of the lead's distance a column's run may differ by and still be the lead's ({@link #apparentHeight}). */
    public static final double SIZE_SHARE = 0.2;
    /** Widest gap, in columns, inside one object ({@link #apparentHeight}: a misread column). */
    public static final int SIZE_GAP = 2;
    /** Widest road user, metres (lorries and buses: 2.55–2.6 m), with a margin ({@link #apparentHeight}). */
    public static final double MAX_OBJECT_WIDTH = 3.0;

    private final int width;
    private final int height;
    private final int firstColumn;
    private final int band;
    private final int[] tracked;
    private final int[] slotOfClass;
    private final float[][] columnDistances;
    private final int[] columns;
    private final boolean[] found;
    private final float[] run;
    /** Per column, the length of the run {@link #apparentHeight} took there (0: none), and whether it was cut off. */
    private final int[] columnRuns;
    private final boolean[] columnCut;
    /** Per column, the bottom row of the run {@link #runAt} found last. */
    private final int[] columnBottom;
    /** The one-road-user window of columns the last {@link #apparentHeight} found; left -1 where it found none. */
    private int windowLeft = -1;
    private int windowRight = -1;
    private final int minColumns;
    /** In the path: 1 / fx, the principal column and the corridor's half-width; NaN half-width for the band. */
    private final double inverseFx;
    private final double cx;
    private final double halfWidth;
    private final boolean inBand;
    /** Set by {@link #runAt} when the object's run reaches the top or bottom row. */
    private boolean cutOff;
    /** The lateral offset of the object the last {@link #apparentHeight} found, metres; NaN for none. */
    private float lateral = Float.NaN;
    /** Half the corridor's curvature ({@link #setPath}), 1/m; 0 for straight. */
    private double pathHalfCurvature;

    /**
     * The nearest road users in the centre band.
     *
     * @param width      map width (the model's input width)
     * @param height     map height
     * @param classCount the model's number of classes (ids 0..classCount-1; any other id is void)
     * @param trackedIds the class ids to report, e.g. car, pedestrian, bicyclist; ids outside the model's are ignored
     */
    public NearestAheadProbe(int width, int height, int classCount, int[] trackedIds) {
        this(width, height, classCount, trackedIds, RoadAheadProbe.bandFirstColumn(width),
                RoadAheadProbe.bandWidth(width), Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * The nearest road users in a corridor ahead of the camera, straight until {@link #setPath} bends it (the class
     * comment).
     *
     * @param fx              horizontal focal length in pixels at the map's size
     * @param cx              principal point column at the map's size (pixel centres at integers, as ROS's K)
     * @param halfWidthMetres half the corridor's width, metres each side of the optical axis
     * @throws IllegalArgumentException when {@code fx} or {@code halfWidthMetres} is not positive and finite
     */
    public static NearestAheadProbe inPath(int width, int height, int classCount, int[] trackedIds, double fx,
                                           double cx, double halfWidthMetres) {
        if (!(fx > 0) || Double.isInfinite(fx) || !(halfWidthMetres > 0) || Double.isInfinite(halfWidthMetres)
                || !Double.isFinite(cx)) {
            throw new IllegalArgumentException("a corridor needs a positive focal length, a finite principal column "
                    + "and a positive half-width; got fx " + fx + ", cx " + cx + ", half-width " + halfWidthMetres);
        }
        return new NearestAheadProbe(width, height, classCount, trackedIds, 0, width, 1 / fx, cx, halfWidthMetres);
    }

    private NearestAheadProbe(int width, int height, int classCount, int[] trackedIds, int firstColumn, int band,
                              double inverseFx, double cx, double halfWidth) {
        this.width = width;
        this.height = height;
        this.band = band;
        this.firstColumn = firstColumn;
        this.inverseFx = inverseFx;
        this.cx = cx;
        this.halfWidth = halfWidth;
        this.inBand = Double.isNaN(halfWidth);
        this.slotOfClass = new int[256];
        Arrays.fill(slotOfClass, -1);
        int n = 0;
        int[] ids = new int[trackedIds.length];
        for (int id : trackedIds) {
            if (id >= 0 && id < Math.min(classCount, 256) && slotOfClass[id] < 0) {
                slotOfClass[id] = n;
                ids[n++] = id;
            }
        }
        this.tracked = Arrays.copyOf(ids, n);
        this.columnDistances = new float[n][band];
        this.columns = new int[n];
        this.found = new boolean[n];
        this.run = new float[height];
        this.columnRuns = new int[width];
        this.columnCut = new boolean[width];
        this.columnBottom = new int[width];
        // the band's threshold in both readings: a corridor is as many columns as the band only at one distance
        this.minColumns = Math.max(MIN_COLUMNS, (int) Math.ceil(MIN_COLUMN_SHARE * RoadAheadProbe.bandWidth(width)));
    }

    /**
     * The apparent height, in pixels, of the road user that this path probe read at {@code metres} (its
     * {@link #measure} result): the mean length of its columns' runs. Its runs are those of road-user pixels (any
     * tracked class: a bicyclist read partly as a pedestrian is one object) of at least {@value #MIN_RUN} pixels whose
     * median depth lies within {@value #SIZE_SHARE} of {@code metres}, one per column, in the columns grown from the
     * corridor's one nearest the principal column that holds such a run out to both sides, across gaps of at most
     * {@value #SIZE_GAP} columns; not clipped to the corridor (a car half in the lane is measured whole).
     *
     * <p>A rigid object's apparent height is inversely proportional to its distance whatever the depth's scale, so its
     * rate of change gives a time to contact free of the depth's errors ({@link LeadTracker}). A height, not a width
     * or an area: a car turning in a bend or a bicyclist pedalling changes its width, not its height; a mean over the
     * columns, so that a far car 12 rows high is not read in steps of 8 %. (Width and the square root of the area
     * were measured and not adopted, 2026-11-28; README, the lead.)
     *
     * <p>It also reads where that object stands across ({@link #lateralOffset}).
     *
     * @return the height in pixels; NaN where no such run is in the corridor, or where the object reaches an edge of
     *         the picture (cut off: its height there is not its size)
     * @throws IllegalStateException on a probe of the centre band (it has no corridor)
     */
    public float apparentHeight(ByteBuffer classIds, FloatBuffer depth, float metres) {
        if (inBand) {
            throw new IllegalStateException("an apparent height needs a path probe (inPath)");
        }
        lateral = Float.NaN;
        windowLeft = -1;
        if (!(metres > 0) || Float.isInfinite(metres)) {
            return Float.NaN;
        }
        double reach = halfWidth / (metres * inverseFx);
        double middle = cx + pathOffset(metres) / (metres * inverseFx); // the path's column at that distance
        int from = Math.max(0, (int) Math.ceil(middle - reach));
        int to = Math.min(width - 1, (int) Math.floor(middle + reach));
        int centre = (int) Math.round(Math.max(from, Math.min(to, middle)));
        cutOff = false;
        int seed = -1;
        for (int off = 0; seed < 0 && (centre - off >= from || centre + off <= to); off++) {
            if (centre - off >= from && (columnRuns[centre - off] = runAt(classIds, depth, centre - off, metres)) > 0) {
                seed = centre - off;
            } else if (off > 0 && centre + off <= to
                    && (columnRuns[centre + off] = runAt(classIds, depth, centre + off, metres)) > 0) {
                seed = centre + off;
            }
        }
        if (seed < 0) {
            return Float.NaN;
        }
        columnCut[seed] = cutOff;
        int left = seed;
        for (int x = seed - 1; x >= 0 && left - x <= SIZE_GAP + 1; x--) {
            cutOff = false;
            if ((columnRuns[x] = runAt(classIds, depth, x, metres)) > 0) {
                left = x;
            }
            columnCut[x] = cutOff;
        }
        int right = seed;
        for (int x = seed + 1; x < width && x - right <= SIZE_GAP + 1; x++) {
            cutOff = false;
            if ((columnRuns[x] = runAt(classIds, depth, x, metres)) > 0) {
                right = x;
            }
            columnCut[x] = cutOff;
        }
        // where it stands: one road user is at most MAX_OBJECT_WIDTH wide, so where the runs span more (far away,
        // the lead and the cars in the next lanes merged into one blob), the window of that width about the seed that
        // holds the most of them, the nearest the path's middle of those that hold as many
        int lateralLeft = left;
        int lateralRight = right;
        int span = Math.max(1, (int) Math.floor(MAX_OBJECT_WIDTH / (metres * inverseFx)));
        if (right - left + 1 > span) {
            int bestFrom = -1;
            int bestCount = -1;
            double bestDistance = Double.POSITIVE_INFINITY;
            int count = 0;
            int a0 = Math.max(left, seed - span + 1);
            for (int x = a0; x < a0 + span; x++) {
                count += x <= right && columnRuns[x] > 0 ? 1 : 0;
            }
            for (int a = a0; a <= Math.min(seed, right - span + 1); a++) {
                if (a > a0) {
                    count += (columnRuns[a + span - 1] > 0 ? 1 : 0) - (columnRuns[a - 1] > 0 ? 1 : 0);
                }
                double away = Math.abs(a + 0.5 * (span - 1) - middle);
                if (count > bestCount || count == bestCount && away < bestDistance) {
                    bestFrom = a;
                    bestCount = count;
                    bestDistance = away;
                }
            }
            lateralLeft = bestFrom;
            while (columnRuns[lateralLeft] <= 0) {
                lateralLeft++;
            }
            lateralRight = bestFrom + span - 1;
            while (columnRuns[lateralRight] <= 0) {
                lateralRight--;
            }
        }
        windowLeft = lateralLeft;
        windowRight = lateralRight;
        if (lateralLeft > 0 && lateralRight < width - 1) {
            // the middle of its columns, from the optical axis at its distance
            lateral = (float) ((0.5 * (lateralLeft + lateralRight) - cx) * metres * inverseFx);
        }
        // its height: the mean over all the blob's columns (more of them, less noise; a neighbour at its distance is
        // about its size)
        long pixels = 0;
        int columns = 0;
        boolean cut = false;
        for (int x = left; x <= right; x++) {
            if (columnRuns[x] > 0) {
                pixels += columnRuns[x];
                columns++;
                cut |= columnCut[x];
            }
        }
        return cut || left == 0 || right == width - 1 ? Float.NaN : (float) pixels / columns;
    }

    /**
     * Where the object that the last {@link #apparentHeight} call measured stands across: metres right of the optical
     * axis at its distance ({@code (x − cx)·d / fx}, negative to the left), {@code x} the middle of its columns — the
     * lateral position a radar's object list gives. Where its columns span more than one road user
     * ({@value #MAX_OBJECT_WIDTH} m: far away the lead and the cars in the next lanes merge into one blob at one
     * depth), the middle of the window of that width about the column it was found from that holds the most of them
     * (the nearest the path's middle among equals). NaN where that call found none, or where those columns reach the
     * picture's left or right edge (their middle is not the object's); an object cut by the top or bottom row still
     * has one. From the axis, not from the path's centre line, so that it does not move when the path's bend does.
     */
    public float lateralOffset() {
        return lateral;
    }

    /**
     * The network's confidence in the object that the last {@link #apparentHeight} call measured: the mean
     * probability ({@link ClassMaps#probability}) over its pixels — the runs of its columns, in the one-road-user window
     * {@link #lateralOffset} is the middle of. NaN where that call found none.
     *
     * @param confidence the frame's confidence map ({@link ClassMaps#argmax(FloatBuffer, int, int, float, ByteBuffer,
     *                   ByteBuffer)}), of this probe's size
     */
    public float meanConfidence(ByteBuffer confidence) {
        if (windowLeft < 0) {
            return Float.NaN;
        }
        long sum = 0;
        long pixels = 0;
        for (int x = windowLeft; x <= windowRight; x++) {
            for (int k = 0; k < columnRuns[x]; k++) {
                sum += confidence.get((columnBottom[x] - k) * width + x) & 0xff;
            }
            pixels += Math.max(0, columnRuns[x]);
        }
        return pixels == 0 ? Float.NaN : (float) (sum / (255.0 * pixels));
    }

    /**
     * The length of column {@code x}'s lowest run of road-user pixels whose median depth is within
     * {@link #SIZE_SHARE} of {@code metres}, 0 where there is none; sets {@link #cutOff} where that run reaches the
     * top or bottom row.
     */
    private int runAt(ByteBuffer classIds, FloatBuffer depth, int x, float metres) {
        int y = height - 1;
        while (y >= 0) {
            if (slotOfClass[classIds.get(y * width + x) & 0xff] < 0) {
                y--;
                continue;
            }
            int bottom = y;
            int n = 0;
            while (y >= 0 && slotOfClass[classIds.get(y * width + x) & 0xff] >= 0) {
                float d = depth.get(y * width + x);
                if (d > 0 && !Float.isInfinite(d)) {
                    run[n++] = d;
                }
                y--;
            }
            if (n >= MIN_RUN && Math.abs(FloatSelect.kth(run, n, n / 2) - metres) <= SIZE_SHARE * metres) {
                cutOff |= bottom == height - 1 || y < 0;
                columnBottom[x] = bottom;
                return bottom - y;
            }
        }
        return 0;
    }

    /**
     * Bends the corridor of a path probe from the next {@link #measure} on: its centre line starts along the optical
     * axis and runs {@code ½·curvature·d²} metres to the right at distance {@code d} ({@link RoadCurve} reads the
     * curvature from the road; a vehicle's yaw rate over its speed is one too). Ignored by a probe of the centre band.
     *
     * @param curvature 1/m, positive turning right; non-finite is taken as 0 (straight)
     */
    public void setPath(double curvature) {
        pathHalfCurvature = Double.isFinite(curvature) ? 0.5 * curvature : 0;
    }

    /** The corridor centre's lateral offset, metres, at {@code metres} ahead. */
    private double pathOffset(double metres) {
        return pathHalfCurvature * metres * metres;
    }

    /** The class ids this probe reports (those of the constructor's that the model has), in the order given. */
    public int[] trackedIds() {
        return tracked.clone();
    }

    /**
     * Measures one frame: {@code nearest[id]} becomes the distance, in metres, of tracked class {@code id} ahead, or
     * NaN where it is not seen there; entries of untracked ids are left as they are.
     */
    public void measure(ByteBuffer classIds, FloatBuffer depth, float[] nearest) {
        Arrays.fill(columns, 0);
        for (int x = firstColumn; x < firstColumn + band; x++) {
            Arrays.fill(found, false);
            int y = height - 1;
            while (y >= 0) {
                int k = slotOfClass[classIds.get(y * width + x) & 0xff];
                if (k < 0 || found[k]) {
                    y--;
                    continue;
                }
                // the lowest run of this class in this column: the nearest of its kind here (in the path, the
                // lowest that stands in the corridor)
                found[k] = inBand;
                int id = tracked[k];
                int n = 0;
                while (y >= 0 && (classIds.get(y * width + x) & 0xff) == id) {
                    float d = depth.get(y * width + x);
                    if (d > 0 && !Float.isInfinite(d)) { // no depth there: NaN, zero, negative or infinite
                        run[n++] = d;
                    }
                    y--;
                }
                if (n >= MIN_RUN) {
                    float d = FloatSelect.kth(run, n, n / 2);
                    if (inBand || Math.abs((x - cx) * d * inverseFx - pathOffset(d)) <= halfWidth) {
                        columnDistances[k][columns[k]++] = d;
                        found[k] = true;
                    }
                }
            }
        }
        for (int k = 0; k < tracked.length; k++) {
            int n = columns[k];
            if (n < minColumns) {
                nearest[tracked[k]] = Float.NaN;
            } else {
                nearest[tracked[k]] = FloatSelect.kth(columnDistances[k], n, (int) Math.ceil(PERCENTILE * n) - 1);
            }
        }
    }
}
