/**
 * Quality measured the classic way. Segmentation: a confusion matrix over all evaluated pixels (void excluded),
 * per-class IoU = |prediction ∩ truth| / |prediction ∪ truth|, mean IoU over the classes, pixel accuracy. Depth,
 * over pixels with known true depth: AbsRel = mean(|d − t| / t), RMSE = sqrt(mean((d − t)²)) and
 * δ&lt;1.25 = share of pixels with max(d / t, t / d), t the true depth &lt; 1.25.
 */
package io.roadseg.metrics;
