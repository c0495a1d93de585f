package io.roadseg.stats;

import java.nio.charset.StandardCharsets;

/**
 * An append-only ASCII line in a fixed byte array, for text produced per frame (JSON lines, the HUD) without
 * allocating. Numbers are written in fixed-point; overflow past the capacity is dropped silently (callers size it).
 *
 * <p>Threading: not thread-safe; one per writer thread.
 */
public final class AsciiText {
    private final byte[] bytes;
    private int length;

    public AsciiText(int capacity) {
        bytes = new byte[capacity];
    }

    public AsciiText clear() {
        length = 0;
        return this;
    }

    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return length;
    }

    public AsciiText append(char c) {
        if (length < bytes.length) {
            bytes[length++] = (byte) c;
        }
        return this;
    }

    /** Appends pre-encoded ASCII bytes (e.g. a JSON key encoded once at start). */
    public AsciiText append(byte[] ascii) {
        int n = Math.min(ascii.length, bytes.length - length);
        System.arraycopy(ascii, 0, bytes, length, n);
        length += n;
        return this;
    }

    public AsciiText append(long v) {
        if (v == Long.MIN_VALUE) {
            return append(ascii("-9223372036854775808"));
        }
        if (v < 0) {
            append('-');
            v = -v;
        }
        long divisor = 1;
        while (v / divisor >= 10) {
            divisor *= 10;
        }
        // most significant digit first, so a number cut by the capacity keeps its leading digits
        for (; divisor > 0; divisor /= 10) {
            append((char) ('0' + (v / divisor) % 10));
        }
        return this;
    }

    /** Appends {@code v} rounded to {@code decimals} places (≤ 6); NaN and infinities as {@code null}. */
    public AsciiText append(double v, int decimals) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return append(NULL);
        }
        long scale = 1;
        for (int i = 0; i < decimals; i++) {
            scale *= 10;
        }
        long fixed = Math.round(Math.abs(v) * scale);
        if (v < 0 && fixed != 0) {
            append('-');
        }
        append(fixed / scale);
        if (decimals > 0) {
            append('.');
            long frac = fixed % scale;
            for (long d = scale / 10; d > 0; d /= 10) {
                append((char) ('0' + (frac / d) % 10));
            }
        }
        return this;
    }

    private static final byte[] NULL = ascii("null");

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
    }
}
