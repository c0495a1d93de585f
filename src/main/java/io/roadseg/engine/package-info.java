/**
 * The one interface between the pipeline and native inference.
 *
 * <pre>
 *   ModelInfo  ◄── read from the model file's metadata (class names, colours, normalisation, depth units)
 *   EngineProvider (ServiceLoader, name + rank) ──open──► InferenceEngine ──allocate──► TensorBinding (one per ring slot)
 *                                                            │
 *   FrameSlot.binding.input ──────────── infer(binding) ─────┴──► binding.segmentation / binding.depth
 * </pre>
 *
 * Backends live in sub-packages ({@code engine.cpu}: ONNX Runtime); their runtime types never leave them.
 * {@link io.roadseg.engine.InferenceEngines#open} picks a backend by name, {@code auto} choosing the
 * highest-ranked available one and saying why; with {@link io.roadseg.engine.EngineOptions#flipAverage()} it wraps
 * the backend's engine in a {@link io.roadseg.engine.FlipAveragingEngine} (each frame run as it is and mirrored).
 */
package io.roadseg.engine;
