/**
 * Turns a decoded BGR frame into the model's input tensor: resize to the model's input size (OpenCV, into a
 * preallocated per-slot image), then normalise and reorder HWC→CHW straight into the slot's tensor buffer.
 */
package io.roadseg.preprocess;
