package io.roadseg.engine.trt;

import org.bytedeco.tensorrt.nvinfer.ILogger;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * TensorRT's log, bridged to Java: errors are kept (the last {@value #KEPT}) so that a failed build or load can name
 * TensorRT's own reason in its one-line error; messages at or above the level set by {@code ROADSEG_TRT_LOG}
 * ({@code error} default, {@code warning}, {@code info}, {@code verbose}) are printed to standard error with a
 * {@code tensorrt: } prefix.
 *
 * <p>One instance for the process, never freed: TensorRT objects keep a pointer to their logger, and with the 1.5.13
 * presets those objects cannot be deleted (javacpp-presets#1699), so the logger must outlive them all.
 *
 * <p>Threading: TensorRT calls {@link #log} from its own threads; the kept errors are guarded by the instance lock.
 * The callback never throws into native code.
 */
final class TrtLogger extends ILogger {
    private static final int KEPT = 8;
    private static TrtLogger instance;

    private final Deque<String> errors = new ArrayDeque<>();
    private final int printLevel;
    private final PrintStream out;

    private TrtLogger(int printLevel, PrintStream out) {
        this.printLevel = printLevel;
        this.out = out;
    }

    static synchronized TrtLogger get() {
        if (instance == null) {
            instance = new TrtLogger(level(System.getProperty("roadseg.trt.log", System.getenv("ROADSEG_TRT_LOG"))),
                    System.err);
        }
        return instance;
    }

    /** Severity value at and below which messages are printed (0 internal error … 4 verbose). */
    static int level(String text) {
        if (text == null) {
            return Severity.kERROR.value;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "verbose" -> Severity.kVERBOSE.value;
            case "info" -> Severity.kINFO.value;
            case "warning", "warn" -> Severity.kWARNING.value;
            default -> Severity.kERROR.value;
        };
    }

    @Override
    public void log(Severity severity, String message) {
        try {
            int s = severity.value;
            if (s <= Severity.kERROR.value) {
                synchronized (this) {
                    if (errors.size() == KEPT) {
                        errors.removeFirst();
                    }
                    errors.addLast(message);
                }
            }
            if (s <= printLevel) {
                out.println("tensorrt: " + message);
            }
        } catch (Throwable ignored) {
            // never let a Java exception unwind through TensorRT
        }
    }

    /** Forgets kept errors (before an operation whose own errors are wanted). */
    synchronized void clearErrors() {
        errors.clear();
    }

    /** {@code ": last error; earlier error"} or empty when TensorRT reported none. */
    synchronized String recentErrors() {
        if (errors.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(": ");
        String[] all = errors.toArray(new String[0]);
        for (int i = all.length - 1; i >= 0; i--) {
            b.append(i == all.length - 1 ? "" : "; ").append(TrtNatives.firstLine(all[i]));
        }
        return b.toString();
    }
}
