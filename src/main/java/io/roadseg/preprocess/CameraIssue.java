package io.roadseg.preprocess;

import io.roadseg.stats.AsciiText;

import java.util.List;
import java.util.function.Function;

/**
 * What can be wrong with a camera's picture, as {@link CameraHealth} reads it from the picture alone and, for the way
 * up and a smear, {@link io.roadseg.postprocess.Orientation} and {@link io.roadseg.postprocess.LensSmear} with the
 * network's classes. Each is a bit of
 * {@link CameraReading#issues()}; a frame may have several. The thresholds, and the real and degraded frames they were
 * chosen on, are in those classes.
 */
public enum CameraIssue {
    /** The picture's bright end is dim: night, an underexposed or a dark-covered lens. */
    DARK("dark", false),
    /** The picture's dark end is light: glare, fog, an overexposed sensor. */
    WASHED_OUT("washed_out", false),
    /** More sensor noise than any usable camera gives by day. */
    NOISY("noisy", false),
    /** Edges soft for the picture's contrast all over it: defocus, fog on the lens, a lens smeared all over. */
    BLURRED("blurred", false),
    /** A large part of the picture (or all of it) is uniform: the lens covered or partly blocked. */
    BLOCKED("blocked", true),
    /** The picture has not changed at all for {@link CameraHealth#FROZEN_AFTER_SECONDS}: a stuck camera or driver. */
    FROZEN("frozen", true),
    /** The sky below the road frame after frame: a camera mounted upside down. */
    UPSIDE_DOWN("upside_down", true),
    /** The sky beside the road frame after frame: a picture turned on its side (a phone held sideways). */
    SIDEWAYS("sideways", true),
    /** Part of the picture soft frame after frame while the rest is sharp: water, mud or grease on part of the lens. */
    SMEARED("smeared", false);

    /** All issues, in bit order. */
    public static final List<CameraIssue> ALL = List.of(values());
    /** The {@link #unusable} issues' bits. */
    private static final int UNUSABLE = ALL.stream().filter(i -> i.unusable).mapToInt(CameraIssue::bit).reduce(0,
            (a, b) -> a | b);

    private final String key;
    private final boolean unusable;

    CameraIssue(String key, boolean unusable) {
        this.key = key;
        this.unusable = unusable;
    }

    /**
     * Whether nothing read from the picture holds while it has this issue (blocked, frozen, upside down, sideways:
     * ERROR on {@code /diagnostics}, the critical alert), rather than that the perception is degraded (WARN, the
     * warning alert). One place for the severity every output gives.
     */
    public boolean unusable() {
        return unusable;
    }

    /** Whether {@code mask} has an {@link #unusable} issue (one mask test: per frame, no allocation). */
    public static boolean anyUnusable(int mask) {
        return (mask & UNUSABLE) != 0;
    }

    /** The issue's name in results and metrics ({@code washed_out}). */
    public String key() {
        return key;
    }

    /** This issue's bit in an issue mask. */
    public int bit() {
        return 1 << ordinal();
    }

    /** Whether {@code mask} has this issue. */
    public boolean in(int mask) {
        return (mask & bit()) != 0;
    }

    /** Every issue's name in one form (its key, quoted, in words…), in bit order: a table made once for {@link #append}. */
    public static byte[][] names(Function<CameraIssue, String> form) {
        return ALL.stream().map(i -> AsciiText.ascii(form.apply(i))).toArray(byte[][]::new);
    }

    /**
     * Appends the issues of {@code mask} to {@code out} in bit order, each as {@code names[bit]} (a table of
     * {@link #names}), {@code separator} between them; nothing for none. No allocation: for per-frame text.
     */
    public static AsciiText append(AsciiText out, int mask, byte[][] names, byte[] separator) {
        boolean first = true;
        for (int k = 0; k < names.length; k++) { // indexed: no iterator per frame
            if ((mask & (1 << k)) != 0) {
                if (!first) {
                    out.append(separator);
                }
                out.append(names[k]);
                first = false;
            }
        }
        return out;
    }
}
