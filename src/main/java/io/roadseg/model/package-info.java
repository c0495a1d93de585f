/**
 * The network, defined once: {@link io.roadseg.model.FcnArchitecture} (hyper-parameters, layer graph, named
 * parameters), {@link io.roadseg.model.FcnWeights} (the learned tensors), {@link io.roadseg.model.ReferenceForward}
 * (a plain-Java forward pass, the specification), {@link io.roadseg.model.OnnxModelWriter} (the project's own ONNX
 * exporter) and {@link io.roadseg.model.ModelContract} (the metadata a model carries so the runtime needs no side
 * file).
 *
 * <h2>fcn-md-v2: one encoder, two decoders</h2>
 * <pre>
 *  image [N,3,H,W]  (RGB, (pixel/255 - mean)/std; H, W any multiples of 16)
 *    │
 *    ▼  ENCODER "enc."                                          resolution  channels
 *  stem    conv3x3 /2 + BN + PReLU                                 H/2        c1 (16)
 *  down4   dw3x3 /2 ─ concat avgpool4(image) ─ conv1x1             H/4        c2 (32)
 *  s4.b0-1 CB(c2, d=2) x2 ──────────────────────── skip4 ──┐       H/4        c2
 *  down8   dw3x3 /2 ─ concat avgpool8(image) ─ conv1x1     │       H/8        c3 (96)
 *  s8.b0-3 CB(c3, d=2,4,2,4) ──────────────── skip8 ──┐    │       H/8        c3
 *  down16  dw3x3 /2 ─ conv1x1                         │    │       H/16       c4 (192)
 *  s16.b0-5 CB(c4, d=2,4,8,2,4,8)                     │    │       H/16       c4
 *    │                                                │    │
 *    ├──────────────────────┐                         │    │
 *    ▼ DECODER "seg."       ▼ DECODER "depth."        │    │     (same structure, separate weights)
 *  proj  conv1x1 → c3/2                                        H/16  48
 *  d8    up x2 ─ concat ◄─────────────────────────── skip8     H/8   48+c3
 *        fuse conv1x1 → c3/2, separable residual block         H/8   48
 *  d4    up x2 ─ concat ◄──────────────────────────────── skip4 H/4  48+c2
 *        fuse conv1x1 → 3c2/4, separable residual block        H/4   24
 *  head  conv1x1 → K (seg: classes, depth: 1), up x4           H     K
 *    │                      │
 *    ▼                      ▼ sigmoid × maxDepth
 *  seg_logits [N,K,H,W]   depth [N,1,H,W] (metres)
 *
 *  CB(C, d): x → conv1x1 C→C/2 → { dw3x3 dilation 1 , dw3x3 dilation d } summed → conv1x1 C/2→C → y;
 *            gate = sigmoid(conv1x1(ReLU(conv1x1 C→C/4 (globalAvgPool(y))))); out = PReLU(x + y * gate)
 *  Every conv but the heads and the gate's: + BatchNorm (training; folded at export) + PReLU where an activation
 *  follows.  up xF = bilinear, half-pixel centres (ONNX Resize linear/half_pixel = PyTorch align_corners=False)
 * </pre>
 *
 * <p>Parameter names follow the graph: {@code enc.stem.*}, {@code enc.s8.b2.context.*}, {@code enc.s16.b5.gate.fc1.*},
 * {@code seg.d8.fuse.*}, {@code seg.d4.ds.pw.*}, {@code seg.head.*}, and the same under {@code depth.}; each conv has
 * a {@code .weight} {@code [out, in/groups, k, k]} and a {@code .bias} {@code [out]}, each PReLU a {@code .slope}
 * {@code [C,1,1]}. Training uses BatchNorm after each marked conv; it is folded into the conv at export
 * ({@link io.roadseg.model.FcnWeights#foldBatchNorm}), so the exported graph has none.
 *
 * <p>Nothing here touches native code: the exporter writes protobuf by hand and tests check the file in ONNX Runtime.
 */
package io.roadseg.model;
