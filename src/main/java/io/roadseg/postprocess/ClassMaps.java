package io.roadseg.postprocess;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Class-id maps from model outputs, and what they say. Static, allocation-free, no shared state.
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
        for (int i = 0; i < pixels; i++) {
            float best = logits.get(i);
            int arg = 0;
            for (int c = 1, idx = pixels + i; c < classes; c++, idx += pixels) {
                float v = logits.get(idx);
                if (v > best) {
                    best = v;
                    arg = c;
                }
            }
            out.put(i, (byte) arg);
        }
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
        java.util.Arrays.fill(counts, 0);
        for (int i = 0; i < pixels; i++) {
            int c = classIds.get(i) & 0xff;
            if (c < counts.length) {
                counts[c]++;
            }
        }
    }
}
