/**
 * The ring: a Disruptor of preallocated {@link io.roadseg.pipeline.FrameSlot}s, one thread per stage, ordered by
 * sequence barriers.
 *
 * <pre>
 *  capture thread (caller of Pipeline.run)
 *    FrameSource.read ─► slot.sourceBgr ─publish─►┐
 *                                                  ▼
 *  ┌──────────────────────── RingBuffer&lt;FrameSlot&gt; (power of 2, allocated once) ─────────────────────────┐
 *  │ preprocess ──► inference ──► postprocess ──► sinks                                                  │
 *  │ resize,        engine.infer   argmax, shares,  video file / FFmpeg stream / JSON lines / callbacks,   │
 *  │ normalise,     (TensorBinding road ahead,      stats recorded, slot released to capture             │
 *  │ HWC→CHW        of the slot)   nearest ahead,                                                        │
 *  │                               overlay, depth,                                                       │
 *  │                               HUD                                                                   │
 *  └─────────────────────────────────────────────────────────────────────────────────────────────────────┘
 * </pre>
 *
 * <b>Real-time policy.</b> {@link io.roadseg.pipeline.PipelineMode#EVERY_FRAME} (replay) blocks the capture thread
 * while the ring is full, so no frame is lost. {@link io.roadseg.pipeline.PipelineMode#LIVE} and
 * {@link io.roadseg.pipeline.PipelineMode#PACED} never wait: the source is drained continuously, a frame that finds
 * the ring full is dropped (counted), and preprocess and inference skip any slot that already has a fresher frame
 * behind it (counted as stale) — so the frame entering inference is always the freshest captured, and latency stays
 * bounded by about one inference time however slow the model is.
 */
package io.roadseg.pipeline;
