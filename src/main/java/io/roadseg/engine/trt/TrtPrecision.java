package io.roadseg.engine.trt;

import java.util.Locale;

/**
 * The arithmetic a TensorRT plan may use. Each is a trade of accuracy against speed, measured by
 * {@code scripts/gpu-check.sh}: FP32 agrees with the CPU backend almost everywhere; FP16 halves memory traffic on any
 * recent GPU; INT8 is fastest and needs calibration images.
 *
 * <p>Immutable.
 */
public enum TrtPrecision {
    /** Full precision (TF32 tensor cores disabled, so results track the CPU backend). */
    FP32,
    /** Half precision where TensorRT finds it faster; FP32 elsewhere. */
    FP16,
    /** 8-bit integers, calibrated by entropy on sample frames; FP16 or FP32 where INT8 has no kernel. */
    INT8;

    /** Lower-case name as written on the command line and in cache file names. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param text {@code fp32}, {@code fp16} or {@code int8}, any case
     * @throws IllegalArgumentException naming the text and the choices
     */
    public static TrtPrecision parse(String text) {
        for (TrtPrecision p : values()) {
            if (p.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision '" + text + "' is not one of fp32, fp16, int8");
    }
}
