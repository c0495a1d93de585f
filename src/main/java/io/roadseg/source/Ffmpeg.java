package io.roadseg.source;

import org.bytedeco.ffmpeg.global.avutil;

/**
 * Process-wide FFmpeg settings and error text. Threading: safe from any thread.
 */
public final class Ffmpeg {
    private static volatile boolean verbose;

    private Ffmpeg() {
    }

    /** FFmpeg's own log goes to stderr only with {@code --verbose}; otherwise roadseg reports errors itself. */
    public static void setVerbose(boolean on) {
        verbose = on;
        avutil.av_log_set_level(on ? avutil.AV_LOG_WARNING : avutil.AV_LOG_QUIET);
    }

    public static void quietUnlessVerbose() {
        if (!verbose) {
            avutil.av_log_set_level(avutil.AV_LOG_QUIET);
        }
    }

    /** FFmpeg's text for an error code, e.g. "Invalid data found when processing input". */
    public static String errorText(int code) {
        byte[] buf = new byte[256];
        if (avutil.av_strerror(code, buf, buf.length) < 0) {
            return "error " + code;
        }
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
