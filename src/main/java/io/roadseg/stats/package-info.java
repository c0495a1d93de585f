/**
 * Latency statistics, off the hot path. The sink stage, last in the ring, records each finished frame's stage
 * durations into HdrHistogram {@code SingleWriterRecorder}s (wait-free, allocation-free); a reporter thread swaps
 * out interval histograms once a second, folds them into the run totals, prints the live progress line, and writes
 * them to an HdrHistogram log. At the end: a table on stderr and a JSON summary.
 *
 * <pre>
 *   sink thread ── recordValue ──► SingleWriterRecorder (per stage) ◄── getIntervalHistogram ── reporter thread
 *                                                                             ├─► progress line (stderr)
 *                                                                             ├─► .hlog (HistogramLogWriter)
 *                                                                             └─► totals ─► table / JSON
 * </pre>
 */
package io.roadseg.stats;
