/**
 * Turns a decoded BGR frame into the model's input tensor: resize to the model's input size (OpenCV, into a
 * preallocated per-slot image), then normalise and reorder HWC→CHW straight into the slot's tensor buffer; on the
 * way, check the camera's picture ({@link io.roadseg.preprocess.CameraHealth}: dark, washed out, noisy, blurred,
 * blocked, frozen).
 */
package io.roadseg.preprocess;
