package io.roadseg.web;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.roadseg.pipeline.FrameResult;
import io.roadseg.pipeline.LiveAccuracy;
import io.roadseg.pipeline.Pipeline;
import io.roadseg.postprocess.ClassMaps;
import io.roadseg.preprocess.CameraIssue;
import io.roadseg.preprocess.CameraIssueCounts;
import io.roadseg.stats.LatencyStats;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The run's Prometheus metrics ({@code /metrics} of the live view), with the well-kept {@code io.prometheus} client
 * 1.x, in its own registry (several runs in one JVM do not collide). Low-cardinality labels only:
 * <ul>
 *   <li>{@code roadseg_stage_latency_seconds{stage}}: histogram per stage (capture, preprocess, inference,
 *       postprocess, end_to_end) with buckets from 1 ms to 200 ms (and 0.5, 1, 2 s for stalls); {@code end_to_end} is
 *       capture → this sink</li>
 *   <li>{@code roadseg_frames_captured_total}, {@code roadseg_frames_processed_total},
 *       {@code roadseg_frames_dropped_total} (ring full at capture), {@code roadseg_frames_stale_total} (skipped for a
 *       fresher one): the run's own counters, read at scrape time</li>
 *   <li>{@code roadseg_ring_occupancy} and {@code roadseg_ring_slots}: frames in flight, ring size</li>
 *   <li>{@code roadseg_viewers}, {@code roadseg_viewer_frames_dropped_total}, {@code roadseg_viewers_refused_total}</li>
 *   <li>{@code roadseg_confidence_mean_ratio}, {@code roadseg_uncertain_pixels_ratio}: the last frame's mean
 *       confidence and share of uncertain pixels ({@link FrameResult#meanConfidence}, {@link FrameResult#uncertainShare};
 *       NaN for a model without scores), and {@code roadseg_frames_low_confidence_total}: frames whose mean was under
 *       {@link ClassMaps#LOW_CONFIDENCE_FRAME} — a perception-health signal to alert on</li>
 *   <li>{@code roadseg_camera_issue_frames_total{issue}} and {@code roadseg_camera_issue{issue}} (1 where the last
 *       frame had it): the camera's health read from its picture ({@link io.roadseg.preprocess.CameraHealth}; issues
 *       dark, washed_out, noisy, blurred, blocked, frozen)</li>
 *   <li>{@code roadseg_live_mean_iou_ratio}, {@code roadseg_live_depth_absrel}: running accuracy when the source has
 *       ground truth</li>
 *   <li>{@code roadseg_run_info{model,engine,source,input_size}}: what runs, as an info metric</li>
 *   <li>JVM and process metrics ({@code jvm_*}, {@code process_*})</li>
 * </ul>
 *
 * <p>{@link #observe} is called on the pipeline's sink thread per frame and does not allocate.
 */
final class LiveMetrics {
    static final double[] BUCKETS = {0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1,
            0.15, 0.2, 0.5, 1, 2};

    final PrometheusRegistry registry = new PrometheusRegistry();
    private final DistributionDataPoint capture;
    private final DistributionDataPoint preprocess;
    private final DistributionDataPoint inference;
    private final DistributionDataPoint postprocess;
    private final DistributionDataPoint endToEnd;
    private volatile Pipeline pipeline;
    private volatile LatencyStats stats;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    LiveMetrics(String model, String engine, String source, String inputSize, AtomicLong viewers,
                AtomicLong viewerDrops, AtomicLong refused) {
        Histogram latency = Histogram.builder().name("roadseg_stage_latency_seconds")
                .help("Per-frame latency of each pipeline stage; end_to_end is capture to the live view's sink")
                .unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
                .labelNames("stage").classicOnly().classicUpperBounds(BUCKETS).register(registry);
        capture = latency.labelValues("capture");
        preprocess = latency.labelValues("preprocess");
        inference = latency.labelValues("inference");
        postprocess = latency.labelValues("postprocess");
        endToEnd = latency.labelValues("end_to_end");
        counter("roadseg_frames_captured", "Frames delivered by the source", () -> stats == null ? 0 : stats.captured());
        counter("roadseg_frames_processed", "Frames through the whole pipeline",
                () -> stats == null ? 0 : stats.processed());
        counter("roadseg_frames_dropped", "Frames dropped at capture because the ring was full (live sources)",
                () -> stats == null ? 0 : stats.droppedAtCapture());
        counter("roadseg_frames_stale", "Frames skipped because a fresher one was waiting",
                () -> stats == null ? 0 : stats.skippedStale());
        counter("roadseg_viewer_frames_dropped", "Frames a live-view viewer did not get because it was still busy "
                + "with an earlier one", viewerDrops::get);
        counter("roadseg_viewers_refused", "Live-view connections refused because too many were open",
                refused::get);
        gauge("roadseg_ring_occupancy", "Frames in the ring now", () -> pipeline == null ? 0
                : pipeline.ringOccupancy());
        gauge("roadseg_ring_slots", "Slots in the ring", () -> pipeline == null ? 0 : pipeline.ringSize());
        gauge("roadseg_viewers", "Open live-view streams (video and charts)", viewers::get);
        gauge("roadseg_confidence_mean_ratio", "The last frame's mean confidence of the network in its classes (0..1)",
                () -> confidenceMean);
        gauge("roadseg_uncertain_pixels_ratio", "The last frame's share of pixels under 0.5 confidence (0..1)",
                () -> uncertainShare);
        counter("roadseg_frames_low_confidence", "Frames whose mean confidence was under "
                + ClassMaps.LOW_CONFIDENCE_FRAME + ": frames the network could not read", () -> lowConfidenceFrames);
        CounterWithCallback.builder().name("roadseg_camera_issue_frames")
                .help("Frames whose picture had the issue (camera health, read from the picture alone)")
                .labelNames("issue").callback(c -> {
                    for (CameraIssue issue : CameraIssue.ALL) {
                        c.call(cameraIssues.frames(issue), issue.key());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("roadseg_camera_issue")
                .help("1 where the last frame's picture had the issue, else 0")
                .labelNames("issue").callback(g -> {
                    int last = lastCameraIssues;
                    for (CameraIssue issue : CameraIssue.ALL) {
                        g.call(issue.in(last) ? 1 : 0, issue.key());
                    }
                }).register(registry);
        gauge("roadseg_live_mean_iou_ratio", "Running mean IoU against the source's ground truth (0..1)",
                () -> accuracy(true));
        gauge("roadseg_live_depth_absrel", "Running depth AbsRel against the source's ground truth",
                () -> accuracy(false));
        Info info = Info.builder().name("roadseg_run_info").help("What runs: model, engine, source, input size")
                .labelNames("model", "engine", "source", "input_size").register(registry);
        info.setLabelValues(model, engine, source, inputSize);
        JvmMetrics.builder().register(registry);
    }

    private double accuracy(boolean iou) {
        Pipeline p = pipeline;
        LiveAccuracy a = p == null ? null : p.accuracy();
        if (a == null) {
            return Double.NaN;
        }
        return iou ? a.meanIou() : a.absRel();
    }

    private void counter(String name, String help, java.util.function.LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(c -> c.call(value.getAsLong()))
                .register(registry);
    }

    private void gauge(String name, String help, java.util.function.DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(g -> g.call(value.getAsDouble()))
                .register(registry);
    }

    void attach(Pipeline pipeline, LatencyStats stats) {
        this.pipeline = pipeline;
        this.stats = stats;
    }

    private volatile double confidenceMean = Double.NaN;
    private volatile double uncertainShare = Double.NaN;
    private volatile long lowConfidenceFrames;
    /** Frames per {@link CameraIssue} (one writer: the sink thread; read by scrapes after {@link #lastCameraIssues}). */
    private final CameraIssueCounts cameraIssues = new CameraIssueCounts();
    private volatile int lastCameraIssues;
    private volatile long framesObserved;

    /** @return the last frame's mean confidence; NaN before any or for a model without scores */
    double lastConfidenceMean() {
        return confidenceMean;
    }

    /** @return the last frame's share of uncertain pixels; NaN before any or for a model without scores */
    double lastUncertainShare() {
        return uncertainShare;
    }

    /** @return the last frame's camera issues ({@link CameraIssue} bits); 0 before any */
    int lastCameraIssues() {
        return lastCameraIssues;
    }

    /** @return frames observed so far */
    long framesObserved() {
        return framesObserved;
    }

    /** Records one frame's stage latencies and confidence (sink thread; allocation-free). */
    void observe(FrameResult f, long nowNanos) {
        confidenceMean = f.meanConfidence();
        uncertainShare = f.uncertainShare();
        if (f.meanConfidence() < ClassMaps.LOW_CONFIDENCE_FRAME) {
            lowConfidenceFrames = lowConfidenceFrames + 1; // one writer: the sink thread
        }
        cameraIssues.count(f.camera());
        lastCameraIssues = f.camera().issues(); // volatile write after the counts: a scrape that sees it sees them
        framesObserved = framesObserved + 1; // one writer: the sink thread
        capture.observe(f.captureNanos() / 1e9);
        preprocess.observe(f.preprocessNanos() / 1e9);
        inference.observe(f.inferenceNanos() / 1e9);
        postprocess.observe(f.postprocessNanos() / 1e9);
        endToEnd.observe((nowNanos - f.capturedAtNanos()) / 1e9);
    }

    /** Writes the text exposition format (version 0.0.4). */
    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    String contentType() {
        return writer.getContentType();
    }
}
