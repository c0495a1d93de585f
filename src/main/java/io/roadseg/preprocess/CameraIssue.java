package io.roadseg.preprocess;

import java.util.List;

/**
 * What can be wrong with a camera's picture, as {@link CameraHealth} reads it from the picture alone. Each is a bit of
 * {@link CameraReading#issues()}; a frame may have several. The thresholds, and the real and degraded frames they were
 * chosen on, are in {@link CameraHealth}.
 */
public enum CameraIssue {
    /** The picture's bright end is dim: night, an underexposed or a dark-covered lens. */
    DARK("dark"),
    /** The picture's dark end is light: glare, fog, an overexposed sensor. */
    WASHED_OUT("washed_out"),
    /** More sensor noise than any usable camera gives by day. */
    NOISY("noisy"),
    /** Edges soft for the picture's contrast: defocus, water or dirt smeared on the lens. */
    BLURRED("blurred"),
    /** A large part of the picture (or all of it) is uniform: the lens covered or partly blocked. */
    BLOCKED("blocked"),
    /** The picture has not changed at all for {@link CameraHealth#FROZEN_AFTER_SECONDS}: a stuck camera or driver. */
    FROZEN("frozen");

    /** All issues, in bit order. */
    public static final List<CameraIssue> ALL = List.of(values());

    private final String key;

    CameraIssue(String key) {
        this.key = key;
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
}
