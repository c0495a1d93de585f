/**
 * Labelled data for training and evaluation: CamVid-style folders (images + label PNGs, one class id per pixel,
 * void = 11) read and validated here; synthetic drives come from {@code io.roadseg.sim}.
 */
package io.roadseg.train;
