/**
 * Training, with libtorch (JavaCPP presets): {@link io.roadseg.train.Trainer} (data, augmentation, losses, the loop,
 * held-out scoring, checkpoints), {@link io.roadseg.train.TorchFcn} (the layer graph of
 * {@link io.roadseg.model.FcnArchitecture} interpreted over libtorch tensors, with BatchNorm), {@link
 * io.roadseg.train.AdamW} and {@link io.roadseg.train.LearningRateSchedule} (the optimiser and schedule, written out
 * so that their state is checkpointed exactly), {@link io.roadseg.train.TrainingCheckpoint} (everything a run needs
 * to continue), and the labelled data: CamVid-style folders ({@link io.roadseg.train.LabelledFolder}: images + label
 * PNGs, one class id per pixel, void = 11); synthetic drives come from {@code io.roadseg.sim}.
 *
 * <pre>
 *  CamVid frames (minus the held-out sequence) ─┐   zoom 0.5–2, crop, flip, colour      ┌─► cross-entropy (void ignored,
 *  SimDataset (background thread) ──────────────┴─► Preprocessor ─► TorchFcn.forward ─┤    1/ln(c+p) class weights)
 *                                                                                       └─► log-depth L1 where depth is
 *  AdamW + warm-up/poly ◄── backward ◄──────────────────────────────────────────────────    known (synthetic; real sky
 *  every N steps: ONNX (BatchNorm folded) + .ckpt; held-out mIoU                             and road from geometry)
 * </pre>
 */
package io.roadseg.train;
