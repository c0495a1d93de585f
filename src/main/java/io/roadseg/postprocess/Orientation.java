package io.roadseg.postprocess;

import io.roadseg.preprocess.CameraIssue;

import java.nio.ByteBuffer;

/**
 * Whether the camera's picture is upright, read from the network's own classes: in an upright picture the sky lies
 * along the top and the ground (road, pavement) along the bottom. A camera mounted upside down, or a picture turned on
 * its side (a phone recording held sideways), puts them the other way or beside each other — and everything read from
 * such a picture is wrong while looking plausible: on the real dash-cam clip turned upside down the network still
 * finds road and cars, and the lead reads 1.8 m ahead. The pixels alone cannot tell (a dark sky, a bright road), the
 * classes can, even where the network, never trained on such pictures, calls much of the upturned sky road.
 *
 * <p>Per frame, in the picture's four edge bands ({@value #BAND_PERCENT} % deep): the sky's share minus the
 * ground's, top band against bottom band ({@link #lastUp}, −2..2: 2 for sky all along the top and ground all along the
 * bottom) and left band against right band ({@link #lastSide}). Over the last {@value #WINDOW} frames that show sky
 * or ground in those bands (and that the camera check finds readable: a covered lens's classes mean nothing), with
 * at least {@value #MIN_FRAMES} of them: a mean side score of {@value #SIDEWAYS_SCORE} or more (and more than the up
 * score) is {@link CameraIssue#SIDEWAYS}, else a mean up score of {@value #UPSIDE_DOWN_SCORE} or less is
 * {@link CameraIssue#UPSIDE_DOWN}. Per-frame cost: the bands only (a fifth of the class map), no allocation.
 *
 * <p>The thresholds against real frames (README, <i>Camera health</i>): the lowest up score any of 1,789 real frames
 * reaches is 0.86 (CamVid, the clip, KITTI- and DDAD-style frames, the synthetic drive, the clip's narrower views),
 * and none comes within 0.49 of calling its side score the larger; the clip turned upside down reads −1.0 to −0.51
 * in every frame, CamVid 0006R0 turned upside down −0.86 to 0.92 (the network calls much of its sky road).
 * Not thread-safe: one instance per postprocess stage.
 */
public final class Orientation {
    /** The edge bands' depth, per cent of the picture's height (top, bottom) or width (left, right). */
    public static final int BAND_PERCENT = 15;
    /** Frames looked back over (about a second of video). */
    public static final int WINDOW = 30;
    /** Frames the window must hold before it says anything. */
    public static final int MIN_FRAMES = 15;
    /** The mean up score at or under which the picture is upside down. */
    public static final double UPSIDE_DOWN_SCORE = -0.2;
    /** The mean side score (either sign) at or over which the picture is on its side. */
    public static final double SIDEWAYS_SCORE = 0.5;
    /** The least share of the edge bands the sky and the ground must cover together for a frame to count. */
    public static final double MIN_COVER = 0.1;

    private static final byte SKY = 1;
    private static final byte GROUND = 2;

    private final int width;
    private final int height;
    /** Per class id (as an unsigned byte): sky, ground or neither. */
    private final byte[] kind = new byte[256];
    private final double[] ups = new double[WINDOW];
    private final double[] sides = new double[WINDOW];
    private double upSum;
    private double sideSum;
    private int count;
    private int next;
    private double lastUp = Double.NaN;
    private double lastSide = Double.NaN;
    /** The last band read's sky and ground shares. */
    private double bandSky;
    private double bandGround;

    /**
     * @param width     class map width
     * @param height    class map height
     * @param skyIds    the sky's class ids
     * @param groundIds the ground's class ids (road, pavement)
     */
    public Orientation(int width, int height, int[] skyIds, int[] groundIds) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("class map " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        for (int id : skyIds) {
            kind[id & 0xff] = SKY;
        }
        for (int id : groundIds) {
            kind[id & 0xff] = GROUND;
        }
    }

    /**
     * Reads one frame's classes and returns the issue the picture has ({@link CameraIssue#UPSIDE_DOWN},
     * {@link CameraIssue#SIDEWAYS}) over the recent frames, or null while it looks upright or cannot be told.
     *
     * @param classIds the frame's class ids, row by row (absolute reads: its position is left alone)
     * @param readable whether the camera check found the picture readable (no issue of its own); a frame that is not
     *                 is not counted
     */
    public CameraIssue read(ByteBuffer classIds, boolean readable) {
        int rows = band(height);
        int cols = band(width);
        double cover = 0;
        double top = score(classIds, 0, 0, width, rows);
        cover += bandSky + bandGround;
        double bottom = score(classIds, 0, height - rows, width, rows);
        cover += bandSky + bandGround;
        double left = score(classIds, 0, 0, cols, height);
        cover += bandSky + bandGround;
        double right = score(classIds, width - cols, 0, cols, height);
        cover += bandSky + bandGround;
        lastUp = top - bottom;
        lastSide = left - right;
        if (readable && cover / 4 >= MIN_COVER) {
            if (count == WINDOW) {
                upSum -= ups[next];
                sideSum -= sides[next];
            } else {
                count++;
            }
            ups[next] = lastUp;
            sides[next] = lastSide;
            upSum += lastUp;
            sideSum += lastSide;
            next = (next + 1) % WINDOW;
        }
        return issue();
    }

    /** The issue the last {@link #WINDOW} counted frames give; null while they are fewer than {@link #MIN_FRAMES}. */
    public CameraIssue issue() {
        if (count < MIN_FRAMES) {
            return null;
        }
        double up = upSum / count;
        double side = sideSum / count;
        if (Math.abs(side) >= SIDEWAYS_SCORE && Math.abs(side) > Math.abs(up)) {
            return CameraIssue.SIDEWAYS;
        }
        return up <= UPSIDE_DOWN_SCORE ? CameraIssue.UPSIDE_DOWN : null;
    }

    /** The last frame's up score (sky minus ground, top band against bottom band; −2..2). */
    public double lastUp() {
        return lastUp;
    }

    /** The last frame's side score (the same, left band against right band). */
    public double lastSide() {
        return lastSide;
    }

    private static int band(int size) {
        return Math.max(1, size * BAND_PERCENT / 100);
    }

    /** The sky's share minus the ground's in a rectangle of the class map (the shares kept in bandSky, bandGround). */
    private double score(ByteBuffer classIds, int x0, int y0, int w, int h) {
        long sky = 0;
        long ground = 0;
        for (int y = y0; y < y0 + h; y++) {
            for (int i = y * width + x0, end = i + w; i < end; i++) {
                byte k = kind[classIds.get(i) & 0xff];
                if (k == SKY) {
                    sky++;
                } else if (k == GROUND) {
                    ground++;
                }
            }
        }
        double n = (double) w * h;
        bandSky = sky / n;
        bandGround = ground / n;
        return bandSky - bandGround;
    }
}
