package io.roadseg.engine;

/**
 * The input size a fully convolutional model runs at for a given camera: the camera's own aspect ratio, about the
 * pixel count the model was trained and measured at (so compute per frame stays what the README measures), both sides
 * multiples of the model's stride. A 4:3 camera gets the training size (480x352 for 480x360 frames); a 16:9 one gets
 * 544x304; KITTI's 1242x375 gets 752x224. Squashing a frame into another aspect distorts every shape the network
 * learnt, so this is the default; {@code --input-size WxH} overrides it.
 *
 * <p>Immutable value; the rule is a pure function.
 *
 * @param width  input width W, a positive multiple of the stride
 * @param height input height H, a positive multiple of the stride
 */
public record InputSize(int width, int height) {
    /** The smallest side a network is run at: 4 cells of its 1/16 features. */
    public static final int MIN_SIDE = 64;
    /** The largest side. */
    public static final int MAX_SIDE = 4096;
    /**
     * The largest pixel count (about 12 times 480x352's; 1920x1088 fits): beyond, the ring's per-slot buffers outgrow
     * the JVM's memory and a vehicle computer's.
     */
    public static final long MAX_PIXELS = 2048L * 1024;

    public InputSize {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("input size " + width + "x" + height + " must be positive");
        }
    }

    /**
     * @param sourceWidth  camera frame width, pixels
     * @param sourceHeight camera frame height, pixels
     * @param trained      the size the model was trained at (its pixel count is kept)
     * @param stride       the model's stride; both sides are multiples of it
     * @return the size closest in aspect to the source among those of at most the trained pixel count (plus 3 %)
     */
    public static InputSize forSource(int sourceWidth, int sourceHeight, InputSize trained, int stride) {
        if (sourceWidth <= 0 || sourceHeight <= 0) {
            return trained;
        }
        double aspect = (double) sourceWidth / sourceHeight;
        double budget = (double) trained.width * trained.height * 1.03;
        InputSize best = trained;
        double bestScore = Double.MAX_VALUE;
        for (int h = stride; h <= 4096; h += stride) {
            int below = (int) Math.floor(h * aspect / stride) * stride;
            for (int w = Math.max(stride, below); w <= below + stride; w += stride) {
                if ((double) w * h > budget) {
                    continue;
                }
                // aspect error, plus half the share of the pixel budget given up
                double score = Math.abs(Math.log((double) w / h / aspect)) + 0.5 * (1 - w * (double) h / budget);
                if (score < bestScore) {
                    bestScore = score;
                    best = new InputSize(w, h);
                }
            }
        }
        return best;
    }

    /**
     * @param text {@code WxH}
     * @param stride both sides must be positive multiples of it
     * @return the size
     * @throws IllegalArgumentException stating the rule
     */
    public static InputSize parse(String text, int stride) {
        String[] parts = text.trim().split("[xX]");
        int w;
        int h;
        try {
            w = Integer.parseInt(parts[0]);
            h = Integer.parseInt(parts[1]);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("input size '" + text + "': expected WIDTHxHEIGHT, e.g. 544x304");
        }
        if (parts.length != 2 || w <= 0 || h <= 0 || w % stride != 0 || h % stride != 0) {
            throw new IllegalArgumentException("input size '" + text + "': width and height must be positive "
                    + "multiples of the model's stride " + stride);
        }
        return new InputSize(w, h);
    }

    /** @return null where roadseg runs a network at {@code width x height}, else the rule it breaks */
    public static String outsideLimits(long width, long height) {
        return width < MIN_SIDE || height < MIN_SIDE || width > MAX_SIDE || height > MAX_SIDE
                || width * height > MAX_PIXELS ? "each side must be " + MIN_SIDE + " to " + MAX_SIDE + " pixels and the "
                + "whole at most " + MAX_PIXELS + " pixels (e.g. 2048x1024; the shipped model's own is 480x352)" : null;
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
