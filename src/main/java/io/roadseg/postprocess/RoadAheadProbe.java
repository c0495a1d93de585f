package io.roadseg.postprocess;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The free distance along the road straight ahead: in a centre band of columns (the middle fifth of the image),
 * each column is walked up from the bottom row while its pixels are road; the depth at the highest road pixel
 * reached is that column's free distance, and the probe reports the median over the band's columns. NaN when the
 * bottom of the band is not road.
 *
 * <p>Threading: holds a scratch array; one instance per thread.
 */
public final class RoadAheadProbe {
    private final int width;
    private final int height;
    private final int roadId;
    private final int firstColumn;
    private final float[] scratch;

    public RoadAheadProbe(int width, int height, int roadId) {
        this.width = width;
        this.height = height;
        this.roadId = roadId;
        this.firstColumn = bandFirstColumn(width);
        this.scratch = new float[bandWidth(width)];
    }

    /** Columns in the centre band "ahead" of a map {@code width} wide: the middle fifth, at least one. */
    public static int bandWidth(int width) {
        return Math.max(1, width / 5);
    }

    /** The band's first column. */
    public static int bandFirstColumn(int width) {
        return (width - bandWidth(width)) / 2;
    }

    /** Metres of road ahead, or NaN when no road is under the camera or the model has no road class (id < 0). */
    public float measure(ByteBuffer classIds, FloatBuffer depth) {
        if (roadId < 0) {
            return Float.NaN;
        }
        int n = 0;
        for (int k = 0; k < scratch.length; k++) {
            int x = firstColumn + k;
            int y = height - 1;
            int last = -1;
            while (y >= 0 && (classIds.get(y * width + x) & 0xff) == roadId) {
                last = y;
                y--;
            }
            float d = last >= 0 ? depth.get(last * width + x) : Float.NaN;
            if (!Float.isNaN(d)) {
                scratch[n++] = d;
            }
        }
        if (n < (scratch.length + 1) / 2) {
            return Float.NaN;
        }
        return FloatSelect.kth(scratch, n, n / 2);
    }
}
