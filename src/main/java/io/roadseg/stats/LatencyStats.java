package io.roadseg.stats;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.SingleWriterRecorder;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-stage latency histograms and frame counters for one run.
 *
 * <p>Threading contract, bluntly: {@link #record} and {@link #recordEndToEnd} are called by exactly one thread
 * (the pipeline's last stage) and never wait or allocate. The counters ({@link #countCaptured},
 * {@link #countDroppedAtCapture}, {@link #countSkippedStale}) may be called from any thread. Everything else —
 * the reporter, {@link #finish}, the summaries — belongs to the thread that owns the run. The live values for the
 * HUD ({@link #recentFps}, {@link #recentEndToEndMillis}) are safe from any thread.
 */
public final class LatencyStats implements AutoCloseable {
    /** Largest latency kept exactly: 60 s. Longer values are clamped (and would mean a stalled run anyway). */
    public static final long HIGHEST_NANOS = 60_000_000_000L;

    private final Map<Stage, SingleWriterRecorder> recorders = new EnumMap<>(Stage.class);
    private final Map<Stage, Histogram> totals = new EnumMap<>(Stage.class);
    private final Map<Stage, Histogram> intervals = new EnumMap<>(Stage.class);
    private final AtomicLong skippedStale = new AtomicLong();
    private volatile long captured;
    private volatile long droppedAtCapture;
    private volatile long processed;
    private volatile double recentFps = Double.NaN;
    private volatile double recentE2eMillis = Double.NaN;
    private final long expectedFrames;
    private final PrintStream progress;
    private final boolean progressIsTerminal;
    private final HistogramLogWriter log;
    private final PrintStream logStream;
    private final Path histogramLog;
    private final long startNanos = System.nanoTime();
    private final long startEpochMs = System.currentTimeMillis();
    private long lastReportNanos = startNanos;
    private long lastReportProcessed;
    private long lastProgressPrint;
    private long endNanos;
    private Thread reporter;
    private volatile boolean running;
    private volatile IntervalListener listener;

    /** Once a second, on the reporter thread: the last second's histograms and the run's counters. */
    public interface IntervalListener {
        /**
         * @param interval the last second; its histograms (nanoseconds) are valid only during the call
         */
        void onInterval(Interval interval);
    }

    /**
     * One reporting interval.
     *
     * @param elapsedSeconds seconds since the run started
     * @param fps            frames through the pipeline per second over the interval
     * @param processed      frames through the pipeline so far
     * @param captured       frames delivered by the source so far
     * @param dropped        frames dropped at capture so far (ring full, live sources)
     * @param stale          frames skipped as stale so far
     * @param histograms     per stage, the interval's latencies in nanoseconds
     */
    public record Interval(double elapsedSeconds, double fps, long processed, long captured, long dropped, long stale,
                           Map<Stage, Histogram> histograms) {
    }

    /** Sets the listener called after each once-a-second sample (null: none). */
    public void setIntervalListener(IntervalListener listener) {
        this.listener = listener;
    }

    /**
     * @param expectedFrames frames the run will process when known (for the ETA), else -1
     * @param progress       where the live progress line goes, or null for none
     * @param histogramLog   HdrHistogram interval log to write, or null
     */
    public LatencyStats(long expectedFrames, PrintStream progress, Path histogramLog) throws FileNotFoundException {
        for (Stage s : Stage.values()) {
            recorders.put(s, new SingleWriterRecorder(1, HIGHEST_NANOS, 3));
            totals.put(s, new Histogram(1, HIGHEST_NANOS, 3));
        }
        this.expectedFrames = expectedFrames;
        this.progress = progress;
        this.progressIsTerminal = System.console() != null;
        if (histogramLog != null) {
            try {
                if (histogramLog.getParent() != null) {
                    Files.createDirectories(histogramLog.getParent());
                }
            } catch (java.io.IOException e) {
                throw new FileNotFoundException("histogram log " + histogramLog + ": cannot create folder ("
                        + e.getMessage() + ")");
            }
            this.histogramLog = histogramLog;
            logStream = new PrintStream(histogramLog.toFile());
            log = new HistogramLogWriter(logStream);
            log.outputLogFormatVersion();
            log.outputStartTime(startEpochMs);
            log.setBaseTime(startEpochMs);
            log.outputComment("roadseg latency intervals, values in nanoseconds; tags are stage names");
            log.outputLegend();
        } else {
            this.histogramLog = null;
            logStream = null;
            log = null;
        }
    }

    // ---- writer side: the last pipeline stage only ------------------------------------------------------------

    /** Records one frame's duration for a stage. Wait-free, allocation-free. */
    public void record(Stage stage, long nanos) {
        recorders.get(stage).recordValue(clamp(nanos));
    }

    /**
     * Records end-to-end latency. With a paced source ({@code expectedIntervalNanos > 0}) the value is corrected
     * for coordinated omission: a stall also accounts for the frames that could not be captured during it.
     */
    public void recordEndToEnd(long nanos, long expectedIntervalNanos) {
        SingleWriterRecorder r = recorders.get(Stage.END_TO_END);
        if (expectedIntervalNanos > 0) {
            r.recordValueWithExpectedInterval(clamp(nanos), expectedIntervalNanos);
        } else {
            r.recordValue(clamp(nanos));
        }
        processed++;
    }

    private static long clamp(long nanos) {
        return nanos < 1 ? 1 : Math.min(nanos, HIGHEST_NANOS);
    }

    // ---- counters: any thread ----------------------------------------------------------------------------------

    /** Called by the single capture thread for each frame the source delivered. */
    public void countCaptured() {
        captured++;
    }

    /** Called by the single capture thread for each frame dropped because the ring was full. */
    public void countDroppedAtCapture() {
        droppedAtCapture++;
    }

    /** A frame that entered the ring but was skipped because a fresher one was waiting behind it. */
    public void countSkippedStale() {
        skippedStale.incrementAndGet();
    }

    public long captured() {
        return captured;
    }

    public long processed() {
        return processed;
    }

    public long droppedAtCapture() {
        return droppedAtCapture;
    }

    public long skippedStale() {
        return skippedStale.get();
    }

    /** Frames per second over the last second; NaN until the first second has been sampled. */
    public double recentFps() {
        return recentFps;
    }

    /** Median end-to-end latency over the last second, ms; NaN until a frame has gone through. */
    public double recentEndToEndMillis() {
        return recentE2eMillis;
    }

    // ---- owner side -----------------------------------------------------------------------------------------------

    /** Starts the once-a-second reporter thread. */
    public void start() {
        running = true;
        reporter = new Thread(this::report, "roadseg-stats");
        reporter.setDaemon(true);
        reporter.start();
    }

    private void report() {
        while (running) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (running) {
                    sample(false);
                }
            }
        }
    }

    private void sample(boolean last) {
        long now = System.nanoTime();
        for (Stage s : Stage.values()) {
            Histogram interval = recorders.get(s).getIntervalHistogram(intervals.get(s));
            intervals.put(s, interval);
            totals.get(s).add(interval);
            if (log != null && interval.getTotalCount() > 0) {
                interval.setTag(s.key);
                interval.setStartTimeStamp(startEpochMs + (lastReportNanos - startNanos) / 1_000_000);
                interval.setEndTimeStamp(startEpochMs + (now - startNanos) / 1_000_000);
                log.outputIntervalHistogram(interval);
            }
        }
        if (logStream != null) {
            logStream.flush();
        }
        long done = processed;
        double seconds = (now - lastReportNanos) / 1e9;
        if (seconds > 0) {
            recentFps = (done - lastReportProcessed) / seconds;
        }
        Histogram e2e = intervals.get(Stage.END_TO_END);
        if (e2e.getTotalCount() > 0) {
            recentE2eMillis = e2e.getValueAtPercentile(50) / 1e6;
        }
        lastReportNanos = now;
        lastReportProcessed = done;
        IntervalListener l = listener;
        if (l != null && seconds > 0) {
            try {
                l.onInterval(new Interval((now - startNanos) / 1e9, recentFps, done, captured, droppedAtCapture,
                        skippedStale.get(), intervals));
            } catch (RuntimeException ignored) {
                // a viewer's problem must not stop the statistics
            }
        }
        if (progress != null && !last) {
            printProgress(now);
        }
    }

    private void printProgress(long now) {
        // On a terminal the line is redrawn in place; in a log file one line every 10 s is enough.
        if (!progressIsTerminal && now - lastProgressPrint < 10_000_000_000L) {
            return;
        }
        lastProgressPrint = now;
        Histogram e2e = totals.get(Stage.END_TO_END);
        double elapsed = (now - startNanos) / 1e9;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "frames %d", processed));
        if (expectedFrames > 0) {
            b.append('/').append(expectedFrames);
        }
        b.append(String.format(Locale.ROOT, "  %.1f fps  e2e p50 %.1f p99 %.1f ms  dropped %d  stale %d",
                recentFps, e2e.getValueAtPercentile(50) / 1e6, e2e.getValueAtPercentile(99) / 1e6,
                droppedAtCapture, skippedStale.get()));
        if (expectedFrames > 0 && processed > 0) {
            double eta = elapsed / processed * Math.max(0, expectedFrames - processed);
            b.append(String.format(Locale.ROOT, "  ETA %d:%02d", (long) eta / 60, (long) eta % 60));
        }
        if (progressIsTerminal) {
            progress.print("\r" + b + "   ");
        } else {
            progress.println(b);
        }
        progress.flush();
    }

    /** Stops the reporter and folds in the last interval. Idempotent. */
    public synchronized void finish() {
        if (endNanos != 0) {
            return;
        }
        running = false;
        if (reporter != null) {
            reporter.interrupt();
        }
        sample(true);
        endNanos = System.nanoTime();
        if (progress != null && progressIsTerminal) {
            progress.println();
        }
    }

    /** The run's total histogram for a stage (after {@link #finish}). */
    public Histogram total(Stage stage) {
        return totals.get(stage);
    }

    /**
     * Why the histogram log was not written whole (a full disk, a closed pipe), or null where it was or there is none.
     * Checked once the run has finished.
     */
    public String histogramLogFailure() {
        return logStream != null && logStream.checkError() ? "histogram log " + histogramLog + ": write failed "
                + "(the disk full or the file gone?); the log is incomplete" : null;
    }

    public double wallSeconds() {
        return ((endNanos != 0 ? endNanos : System.nanoTime()) - startNanos) / 1e9;
    }

    @Override
    public void close() {
        finish();
        if (logStream != null) {
            logStream.close();
        }
    }
}
