package io.roadseg.postprocess;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Class-id maps from model outputs, the network's confidence in them, and what they say. Static and thread-safe;
 * allocation-free once a thread has made its scratch ({@link #argmax}'s block of logits, on its first call).
 */
public final class ClassMaps {
    private ClassMaps() {
    }

    /**
     * Per-pixel argmax over {@code classes} planes of {@code logits} ({@code [C,H*W]}); ties go to the lower id.
     *
     * @param out one byte per pixel, written from index 0
     */
    public static void argmax(FloatBuffer logits, int classes, int pixels, ByteBuffer out) {
        argmax(logits, classes, pixels, 1f, out, null);
    }

    /**
     * The per-pixel argmax as {@link #argmax(FloatBuffer, int, int, ByteBuffer)}, and the network's confidence in
     * it: the softmax probability of the chosen class, {@code 1 / Σ_k exp((l_k − l_max) / T)}, as a byte
     * {@code round(255·p)} (p ≥ 1/classes). Each exponential is read from a table in steps of 1/64 (at the step's
     * middle: within 0.8 % of the term), terms under exp(−{@value #EXP_RANGE}) are left out: the probability comes
     * within 0.0035 of the exact one, under the byte's step (0.004); branch-free, as the argmax. It costs about 1.5
     * times the argmax (3.0 against 2.1 ms at 544×304 on this project's 2-core machine, one thread).
     *
     * <p>The planes are read a block of pixels at a time, each plane in order (the layout's own order: a pixel's
     * classes lie a plane apart), into a per-thread scratch allocated on a thread's first call.
     *
     * @param temperature the softmax temperature {@code T} (1 = the network's logits as they are)
     * @param ids         one byte per pixel, written from index 0
     * @param confidence  one byte per pixel, written from index 0; null: the argmax alone
     */
    public static void argmax(FloatBuffer logits, int classes, int pixels, float temperature, ByteBuffer ids,
                              ByteBuffer confidence) {
        Scratch s = SCRATCH.get();
        float[] planes = s.planes(classes); // the block's logits, class after class
        float[] best = s.best;
        float[] sum = s.sum;
        byte[] arg = s.arg;
        float scale = EXP_STEPS / temperature;
        for (int start = 0; start < pixels; start += BLOCK) {
            int n = Math.min(BLOCK, pixels - start);
            logits.get(start, planes, 0, n);
            System.arraycopy(planes, 0, best, 0, n);
            Arrays.fill(arg, 0, n, (byte) 0);
            for (int c = 1; c < classes; c++) {
                int at = c * BLOCK;
                logits.get(c * pixels + start, planes, at, n);
                byte id = (byte) c;
                for (int i = 0; i < n; i++) { // branch-free: the compiler's conditional moves
                    float v = planes[at + i];
                    boolean higher = v > best[i];
                    best[i] = higher ? v : best[i];
                    arg[i] = higher ? id : arg[i];
                }
            }
            ids.put(start, arg, 0, n);
            if (confidence == null) {
                continue;
            }
            Arrays.fill(sum, 0, n, 1 - EXP[0]); // the chosen class's own term, EXP[0] below, becomes exactly 1
            for (int c = 0; c < classes; c++) {
                int at = c * BLOCK;
                for (int i = 0; i < n; i++) { // branch-free: the table's last entry is 0
                    int k = (int) ((best[i] - planes[at + i]) * scale); // ≥ 0
                    sum[i] += EXP[k < EXP_LAST ? k : EXP_LAST];
                }
            }
            for (int i = 0; i < n; i++) {
                arg[i] = (byte) (int) (255f / sum[i] + 0.5f);
            }
            confidence.put(start, arg, 0, n);
        }
    }

    /** @return the probability a confidence byte of {@link #argmax(FloatBuffer, int, int, float, ByteBuffer,
     * ByteBuffer)} stands for */
    public static float probability(byte confidence) {
        return (confidence & 0xff) / 255f;
    }

    /** Table steps per unit of {@code (l_max − l_k) / T}. */
    private static final int EXP_STEPS = 64;
    /** The table's range: terms under exp(−{@value}) (3·10<sup>−4</sup>) are left out. */
    static final int EXP_RANGE = 8;
    private static final int EXP_LAST = EXP_RANGE * EXP_STEPS;
    /** exp(−(k + ½) / 64), the middle of each step, for k = 0 … 511; 0 at 512. */
    private static final float[] EXP = new float[EXP_LAST + 1];

    static {
        for (int k = 0; k < EXP_LAST; k++) {
            EXP[k] = (float) Math.exp(-(k + 0.5) / EXP_STEPS);
        }
    }

    /** Pixels per block of {@link #argmax}: a block's logits (11 classes: 22 KB) stay in the first-level cache. */
    private static final int BLOCK = 512;

    private static final class Scratch {
        private float[] planes = new float[0];
        final float[] best = new float[BLOCK];
        final float[] sum = new float[BLOCK];
        final byte[] arg = new byte[BLOCK];

        /** @return room for a block of {@code classes} planes (allocated again only for a model with more) */
        float[] planes(int classes) {
            if (planes.length < classes * BLOCK) {
                planes = new float[classes * BLOCK];
            }
            return planes;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * A pixel whose confidence is under this probability is uncertain: more likely wrong than right where the
     * confidence is calibrated (on the held-out CamVid sequence, 0006R0, 7 % of the pixels, 40 % of them right).
     */
    public static final float UNCERTAIN_BELOW = 0.5f;
    /**
     * A frame whose mean confidence is under this is one the network cannot read: on degraded copies of real frames
     * (engines/roadseg.md, "Confidence, calibrated") night, a covered lens and heavy blur put nearly every frame under
     * it, while no undegraded frame of the held-out CamVid sequence (lowest 0.74) or of the real dash-cam clip (0.88)
     * came under it. It does not catch every failure (heavy sensor noise, an upside-down camera).
     */
    public static final float LOW_CONFIDENCE_FRAME = 0.70f;

    /** {@link #UNCERTAIN_BELOW} as a confidence byte: bytes under it are uncertain. */
    public static final int UNCERTAIN_BYTE = (int) Math.ceil(255 * UNCERTAIN_BELOW); // 128: q/255 < 0.5 ⇔ q ≤ 127

    /** @return how many of the first {@code pixels} confidence bytes are under {@link #UNCERTAIN_BELOW} */
    public static int uncertainPixels(ByteBuffer confidence, int pixels) {
        int n = 0;
        for (int i = 0; i < pixels; i++) {
            if ((confidence.get(i) & 0xff) < UNCERTAIN_BYTE) {
                n++;
            }
        }
        return n;
    }

    /** @return the mean probability of the first {@code pixels} confidence bytes (NaN for none) */
    public static float meanProbability(ByteBuffer confidence, int pixels) {
        long sum = 0;
        for (int i = 0; i < pixels; i++) {
            sum += confidence.get(i) & 0xff;
        }
        return pixels == 0 ? Float.NaN : (float) (sum / (255.0 * pixels));
    }

    /**
     * Narrows class ids written by a model (1, 4 or 8 bytes each, little-endian) to one byte per pixel; ids outside
     * {@code [0, classes)} become {@code voidId}.
     */
    public static void narrow(ByteBuffer ids, int bytesPerId, int pixels, int classes, int voidId, ByteBuffer out) {
        ids.order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < pixels; i++) {
            long v = switch (bytesPerId) {
                case 1 -> ids.get(i) & 0xff;
                case 4 -> ids.getInt(i * 4);
                default -> ids.getLong(i * 8);
            };
            out.put(i, (byte) (v >= 0 && v < classes ? v : voidId));
        }
    }

    /** Counts pixels per class id into {@code counts} (cleared first); ids ≥ counts.length are ignored. */
    public static void histogram(ByteBuffer classIds, int pixels, int[] counts) {
        Arrays.fill(counts, 0);
        for (int i = 0; i < pixels; i++) {
            int c = classIds.get(i) & 0xff;
            if (c < counts.length) {
                counts[c]++;
            }
        }
    }
}
