package io.roadseg.postprocess;

import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraReading;
import io.roadseg.preprocess.RegionGrid;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Whether part of the lens is smeared (water, mud, a greasy wipe): a part of the picture whose edges stay soft frame
 * after frame while the rest of the picture keeps sharp ones. The camera check's {@code blurred} reads the picture's
 * most textured quarter and so looks past a smear over a corner; a smear moves with the camera, the scene behind it
 * does not, so over a second every region the lens sees clearly shows a sharp edge at some point (a lane mark, a car,
 * a branch going by), a smeared one never does.
 *
 * <p>Per frame, from the camera check ({@link CameraReading#regionEdge}): each region's edge steepness for its
 * contrast, about 1 for a sharp edge. Over the last {@value #WINDOW} frames the camera check finds readable, with at
 * least {@value #MIN_FRAMES} of them, each region's steepest: a region read in {@value #MIN_READS} frames or more
 * whose steepest stays under {@value #SOFT_EDGE} is soft, and {@value #MIN_SOFT_REGIONS} soft regions or more are
 * {@link CameraIssue#SMEARED}. The sky's regions never count (half or more of the region's classes sky in that frame):
 * a clear sky's smooth gradient reads as soft as a smear (the DDAD frames' deep blue sky: 0.04–0.06), as does a
 * region without contrast (not read). {@link CameraReading#softShare} gives the soft regions' share of those read,
 * {@link CameraReading#smearEdge} the figure the decision is made on.
 *
 * <p>The thresholds against real frames and the degraded copies are in the README's <i>Camera health</i>. Per-frame
 * cost here: a sampled pass over the class map (every other row and column) and the window's maxima, no allocation.
 * The region figures are read from the camera's own picture and the sky from the classes of the picture the network
 * saw; where that is another (a lens undone, the picture turned by {@code --rotate 180}) each class pixel counts for
 * the camera region it shows ({@link RegionGrid#seenThrough}). Not thread-safe: one instance per postprocess stage.
 */
public final class LensSmear {
    /** Frames looked back over (about a second of video). */
    public static final int WINDOW = 30;
    /** Readable frames the window must hold before it says anything. */
    public static final int MIN_FRAMES = 15;
    /** Frames in the window a region must have been read in (enough contrast, not the sky) to be called soft. */
    public static final int MIN_READS = 5;
    /** A region whose steepest edge over the window stays under this is soft. */
    public static final float SOFT_EDGE = 0.15f;
    /** Soft regions that make a smear (of about 48: a sixteenth of the picture). */
    public static final int MIN_SOFT_REGIONS = 3;
    /** A region is the sky's in a frame where this share of its classes, at the least, is sky. */
    public static final double SKY_SHARE = 0.5;

    private final int width;
    private final int height;
    /**
     * Per class-map pixel, the region of the camera's own picture it shows (-1: none), where the network sees the
     * picture rectified or turned ({@link RegionGrid#seenThrough}); null: the same picture.
     */
    private final byte[] cameraRegion;
    private final boolean[] isSky = new boolean[256];
    private RegionGrid grid;
    /** Per region, sampled class pixels and those of them sky, this frame. */
    private int[] sampled;
    private int[] sky;
    /** The window: per frame, per region, its edge (NaN: not read); {@link #WINDOW} rows of the grid's regions. */
    private float[] window;
    private int count;
    private int next;
    /** Per region read often enough, its steepest edge in the window (the last tally's, in no order). */
    private float[] steepestRead;
    private int lastSoft;
    private int lastRead;
    private float lastEdge = Float.NaN;

    /**
     * @param width  class map width (the model's input width, as the camera check's picture)
     * @param height class map height
     * @param skyIds the sky's class ids
     */
    public LensSmear(int width, int height, int[] skyIds) {
        this(width, height, skyIds, null);
    }

    /**
     * @param cameraRegion per class-map pixel, the camera region it shows ({@link RegionGrid#seenThrough}), where the
     *                     network sees another picture than the camera check (a lens undone, {@code --rotate 180});
     *                     null where it sees the same
     */
    public LensSmear(int width, int height, int[] skyIds, byte[] cameraRegion) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("class map " + width + "x" + height);
        }
        if (cameraRegion != null && cameraRegion.length != width * height) {
            throw new IllegalArgumentException("camera regions for " + cameraRegion.length + " pixels, class map "
                    + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.cameraRegion = cameraRegion;
        for (int id : skyIds) {
            isSky[id & 0xff] = true;
        }
    }

    /**
     * Reads one frame and returns {@link CameraIssue#SMEARED} while the recent frames show a smear, else null; sets
     * the reading's {@link CameraReading#softShare} and {@link CameraReading#smearEdge}.
     *
     * @param reading  the camera check's reading of the frame (its region figures); not measured: nothing counted
     * @param classIds the frame's class ids, row by row (absolute reads)
     * @param readable whether the camera check found the picture readable (no issue of its own); a frame that is not
     *                 is not counted (a blurred or fogged picture is soft everywhere: that is its own issue)
     */
    public CameraIssue read(CameraReading reading, ByteBuffer classIds, boolean readable) {
        RegionGrid g = reading.regions();
        if (g == null || !reading.measured() || g.width() != width || g.height() != height) {
            return issue();
        }
        if (grid != g) {
            start(g);
        }
        if (readable) {
            int regions = g.regions();
            Arrays.fill(sampled, 0);
            Arrays.fill(sky, 0);
            for (int y = 0; y < height; y += 2) {
                int rowStart = g.rowStart(y);
                for (int x = 0, i = y * width; x < width; x += 2, i += 2) {
                    int r = cameraRegion == null ? rowStart + g.column(x) : cameraRegion[i];
                    if (r < 0) {
                        continue; // beyond the camera's picture
                    }
                    sampled[r]++;
                    if (isSky[classIds.get(i) & 0xff]) {
                        sky[r]++;
                    }
                }
            }
            int row = next * regions;
            for (int r = 0; r < regions; r++) {
                window[row + r] = sky[r] >= SKY_SHARE * sampled[r] ? Float.NaN : reading.regionEdge(r);
            }
            next = (next + 1) % WINDOW;
            count = Math.min(WINDOW, count + 1);
        }
        tally();
        reading.smear(lastRead == 0 ? Float.NaN : lastSoft / (float) lastRead, lastEdge);
        return issue();
    }

    /** The issue the window gives; null while it holds fewer than {@link #MIN_FRAMES} frames. */
    public CameraIssue issue() {
        return count >= MIN_FRAMES && lastSoft >= MIN_SOFT_REGIONS ? CameraIssue.SMEARED : null;
    }

    /** The soft regions in the last read's window. */
    public int softRegions() {
        return lastSoft;
    }

    /**
     * The decision's figure in the last read's window: the steepest edge of its {@value #MIN_SOFT_REGIONS}rd softest
     * region read (a smear under {@link #SOFT_EDGE}); NaN while fewer regions are read.
     */
    public float smearEdge() {
        return lastEdge;
    }

    /** The regions read often enough in the last read's window to be told soft or not. */
    public int readRegions() {
        return lastRead;
    }

    private void start(RegionGrid g) {
        grid = g;
        sampled = new int[g.regions()];
        sky = new int[g.regions()];
        window = new float[WINDOW * g.regions()];
        steepestRead = new float[g.regions()];
        count = 0;
        next = 0;
    }

    private void tally() {
        lastSoft = 0;
        lastRead = 0;
        lastEdge = Float.NaN;
        if (count < MIN_FRAMES) {
            return;
        }
        int regions = grid.regions();
        for (int r = 0; r < regions; r++) {
            float steepest = 0;
            int reads = 0;
            for (int f = 0; f < count; f++) {
                float e = window[f * regions + r];
                if (!Float.isNaN(e)) {
                    reads++;
                    steepest = Math.max(steepest, e);
                }
            }
            if (reads >= MIN_READS) {
                steepestRead[lastRead++] = steepest;
                if (steepest < SOFT_EDGE) {
                    lastSoft++;
                }
            }
        }
        if (lastRead >= MIN_SOFT_REGIONS) {
            lastEdge = FloatSelect.kth(steepestRead, lastRead, MIN_SOFT_REGIONS - 1);
        }
    }
}
