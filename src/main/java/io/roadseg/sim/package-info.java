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
 *               └─► SimDataset       background iterator of samples for training
 * </pre>
 */
package io.roadseg.sim;
