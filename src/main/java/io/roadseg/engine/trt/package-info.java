/**
 * The TensorRT backend: every native TensorRT and CUDA call of the project lives in this package (JavaCPP presets
 * {@code org.bytedeco:tensorrt} and {@code org.bytedeco:cuda}).
 *
 * <pre>
 *   roadseg build-engine ─┐                                 ┌─ cache hit ──► plan bytes
 *   --engine tensorrt ────┴─► TensorRtPlans ─► PlanCache ───┤
 *                              (key: model SHA-256, GPU,    └─ miss ─► TrtPlanBuilder: ONNX parser ─► [+ arg-max]
 *                               sm, TensorRT, precision,              ─► FP32 | FP16 | INT8 (TrtCalibrator ◄─
 *                               shape, max batch, outputs,               CalibrationBatches ◄─ Preprocessor)
 *                               calibration table)                    ─► serialized plan ─► PlanCache.store
 *   plan bytes ─► IRuntime.deserialize ─► TensorRtEngine ─allocate─► TrtBinding per ring slot
 *                                                                    (pinned host + device buffers, stream, events)
 *   infer: H2D ─► enqueueV3 ─► D2H ─► event sync   (the preprocess thread fills the next slot meanwhile)
 * </pre>
 *
 * Plain-Java parts, unit-tested without a GPU: {@link io.roadseg.engine.trt.PlanCacheKey},
 * {@link io.roadseg.engine.trt.PlanCache}, {@link io.roadseg.engine.trt.CalibrationBatches},
 * {@link io.roadseg.engine.trt.TrtOptions}, the ONNX contract reader and the load-failure messages of
 * {@link io.roadseg.engine.trt.TensorRtProvider}. {@link io.roadseg.engine.trt.GpuCheck} measures the rest on a GPU
 * ({@code scripts/gpu-check.sh}). See {@code docs/tensorrt.md}.
 */
package io.roadseg.engine.trt;
