/**
 * From the model's raw outputs to what people and programs see: argmax of logits into a class-id map, class pixel
 * shares, the free distance along the road ahead, the road's bend (which the vehicle's path follows, and the horizon
 * that checks a calibration's pitch), the nearest road users ahead and the lead in the vehicle's path (its distance,
 * closing speed and time to contact, followed from frame to frame), and the annotated picture — class overlay on the
 * frame the model saw with the path's edges, a depth colour map beside it, and a heads-up display of frame rate and
 * latency.
 *
 * <pre>
 *   logits [C,H,W] ──argmax──► class ids [H,W] ──LUT──► colour mask ──blend with model-size frame──► overlay ┐
 *   depth  [1,H,W] ──────────────────────────────────► near-bright 8-bit ──TURBO colour map──────► depth panel ┴► canvas [H, 2W]
 * </pre>
 */
package io.roadseg.postprocess;
