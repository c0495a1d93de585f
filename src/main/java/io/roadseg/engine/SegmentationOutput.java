package io.roadseg.engine;

/** What a model's segmentation output holds: raw per-class scores, or a class id per pixel. */
public enum SegmentationOutput {
    /** Float {@code [N,C,H,W]}: the pipeline takes the argmax. */
    LOGITS,
    /** Integer {@code [N,H,W]} class ids (argmax done inside the model). */
    CLASS_IDS
}
