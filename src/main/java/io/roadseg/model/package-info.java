/**
 * The network, defined once: {@link io.roadseg.model.FcnArchitecture} (hyper-parameters, layer graph, named
 * parameters), {@link io.roadseg.model.FcnWeights} (the learned tensors), {@link io.roadseg.model.ReferenceForward}
 * (a plain-Java forward pass, the specification), {@link io.roadseg.model.OnnxModelWriter} (the project's own ONNX
 * exporter) and {@link io.roadseg.model.ModelContract} (the metadata a model carries so the runtime needs no side
 * file).
 *
 * <h2>fcn-md-v1: one encoder, two decoders</h2>
 * <pre>
 *  image [N,3,H,W]  (RGB, (pixel/255 - mean)/std)
 *    │
 *    ▼  ENCODER "enc."                                   resolution  channels
 *  e0  conv3x3 /2 + ReLU                                   H/2        c1 (16)
 *  e1  DS /2 ───────────────────────────── skip4 ──┐       H/4        c2 (32)
 *  e2  DS (residual)                               │       H/4        c2
 *  e3  DS /2 ───────────────────────── skip8 ──┐   │       H/8        c3 (64)
 *  e4  DS (residual)                           │   │       H/8        c3
 *  e5  DS /2                                   │   │       H/16       c4 (128)
 *  e6  DS dilation 2 (residual)                │   │       H/16       c4
 *  e7  DS dilation 4 (residual)                │   │       H/16       c4
 *    │                                         │   │
 *    ├──────────────────────┐                  │   │
 *    ▼ DECODER "seg."       ▼ DECODER "depth." │   │     (same structure, separate weights)
 *  d0  up x2 ─ concat ◄─────────────────────── skip8 │       H/8   c4+c3
 *      fuse conv1x1 + ReLU → c3, DS (residual)       │       H/8   c3
 *  d1  up x2 ─ concat ◄─────────────────────────── skip4     H/4   c3+c2
 *      fuse conv1x1 + ReLU → c2, DS (residual)               H/4   c2
 *  head conv1x1 → K (seg: classes, depth: 1)                 H/4   K
 *      up x4                                                 H     K
 *    │                      │
 *    ▼                      ▼ sigmoid × maxDepth
 *  seg_logits [N,K,H,W]   depth [N,1,H,W] (metres)
 *
 *  DS(a→b, stride s, dilation d) = depthwise conv3x3 (groups a, stride s, dilation d, padding d) + ReLU
 *                                → pointwise conv1x1 a→b + ReLU;   out = x + DS(x) when a == b and s == 1
 *  up xF = bilinear, half-pixel centres (ONNX Resize linear/half_pixel = PyTorch align_corners=False)
 * </pre>
 *
 * <p>Parameter names follow the graph: {@code enc.e0.conv.*}, {@code enc.e1.dw.*}, {@code enc.e1.pw.*},
 * {@code seg.d0.fuse.*}, {@code seg.d0.dw.*}, {@code seg.d0.pw.*}, {@code seg.head.*}, and the same under
 * {@code depth.}; each conv has a {@code .weight} {@code [out, in/groups, k, k]} and a {@code .bias} {@code [out]}.
 * Training uses BatchNorm after each conv; it is folded into the conv at export
 * ({@link io.roadseg.model.FcnWeights#foldBatchNorm}), so the exported graph has none.
 *
 * <p>Nothing here touches native code: the exporter writes protobuf by hand and tests check the file in ONNX Runtime.
 */
package io.roadseg.model;
