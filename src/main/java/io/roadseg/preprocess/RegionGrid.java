package io.roadseg.preprocess;

/**
 * The picture cut into about {@value #TARGET_REGIONS} regions, as square as its aspect allows (8×6 at 480×352, 9×5
 * at 544×304, 5×9 for a portrait 304×544): the cells in which {@link CameraHealth} reads how steep the edges are and
 * {@link io.roadseg.postprocess.LensSmear} how much of each is sky. One definition for both, so that a region means
 * the same pixels in the picture and in the class map (both at the model's input size).
 */
public final class RegionGrid {
    /** About how many regions a picture is cut into (a region about 59 px square at 480×352). */
    public static final int TARGET_REGIONS = 48;
    /** The most regions any picture is cut into (rounding a long, narrow picture's rows and columns up). */
    public static final int MAX_REGIONS = 64;

    private final int width;
    private final int height;
    private final int columns;
    private final int rows;
    /** Per pixel column, its region column. */
    private final int[] columnOf;
    /** Per pixel row, the index of its region row's first region ({@code row * columns}). */
    private final int[] rowStartOf;

    public RegionGrid(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("picture " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        double side = Math.sqrt(width * (double) height / TARGET_REGIONS);
        int c = (int) Math.max(1, Math.min(width, Math.round(width / side)));
        int r = (int) Math.max(1, Math.min(height, Math.round(height / side)));
        while (c * r > MAX_REGIONS) {
            if (c >= r) {
                c--;
            } else {
                r--;
            }
        }
        this.columns = c;
        this.rows = r;
        columnOf = new int[width];
        for (int x = 0; x < width; x++) {
            columnOf[x] = (int) ((long) x * columns / width);
        }
        rowStartOf = new int[height];
        for (int y = 0; y < height; y++) {
            rowStartOf[y] = (int) ((long) y * rows / height) * columns;
        }
    }

    /**
     * Per pixel of the picture the network sees through {@code rectification} (the lens undone, the picture turned),
     * the region of the camera's own picture it shows, -1 where it shows none (beyond the camera's edges): how the
     * network's classes are laid on the camera check's regions. Made once per run.
     */
    public byte[] seenThrough(Rectification rectification) {
        byte[] out = new byte[width * height];
        try (org.bytedeco.opencv.opencv_core.Mat own = new org.bytedeco.opencv.opencv_core.Mat(height, width,
                org.bytedeco.opencv.global.opencv_core.CV_8UC1);
             org.bytedeco.opencv.opencv_core.Mat seen = new org.bytedeco.opencv.opencv_core.Mat();
             org.bytedeco.opencv.opencv_core.Scalar none = new org.bytedeco.opencv.opencv_core.Scalar(255)) {
            java.nio.ByteBuffer b = own.data().capacity((long) width * height).asByteBuffer();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    b.put(y * width + x, (byte) regionOf(x, y));
                }
            }
            rectification.applyNearest(own, seen, none);
            seen.data().capacity((long) width * height).asByteBuffer().get(0, out);
        }
        return out; // 255 (no region) reads as -1
    }

    /** The region a pixel lies in, row by row ({@code row * columns() + column}). */
    public int regionOf(int x, int y) {
        return rowStartOf[y] + columnOf[x];
    }

    /** The index of the first region of the region row pixel row {@code y} lies in. */
    public int rowStart(int y) {
        return rowStartOf[y];
    }

    /** The region column pixel column {@code x} lies in. */
    public int column(int x) {
        return columnOf[x];
    }

    public int columns() {
        return columns;
    }

    public int rows() {
        return rows;
    }

    public int regions() {
        return columns * rows;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }
}
