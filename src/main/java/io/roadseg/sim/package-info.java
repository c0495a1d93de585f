/**
 * Synthetic drives with exact ground truth: a calibrated pinhole camera ({@link io.roadseg.sim.CameraCalibration})
 * moving along a procedural town road ({@link io.roadseg.sim.TownScene}) ray-cast in plain Java
 * ({@link io.roadseg.sim.RoadSceneRenderer}) into an image, a class id per pixel and metric depth per pixel.
 *
 * <pre>
 *   seed ─► TownScene (curvature, lanes, facades, furniture, movers, look)
 *               │
 *   SimDrive (fps, speed, camera) ─► frame i ─► RoadSceneRenderer ─► BGR + class ids + depth
 *               ├─► SimSource        sim://town?seed=…   (a FrameSource with ground truth)
 *               ├─► DriveRecording   recordings/&lt;name&gt;/ (video + PNG ground truth)  ─► RecordingSource
 *               ├─► SimDataset       background iterator of samples for training
 *               └─► RenderBenchmark  frames/s, and scaling with pixels and objects (roadseg sim --bench)
 * </pre>
 *
 * <p>Determinism: the same parameters give bit-identical frames, labels and depth on every machine — per-pixel work
 * is IEEE double/float arithmetic (strict in Java 17), {@code Math.sqrt}/{@code floor} (exact), integer hashing for
 * every random choice and noise, and {@link java.lang.StrictMath} or tables built with it for transcendentals.
 * {@link io.roadseg.sim.RoadSceneRenderer#VERSION} names the generation of the rendering.
 */
package io.roadseg.sim;
