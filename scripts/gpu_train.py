#!/usr/bin/env python3
"""roadseg's trainer for a lent GPU: Trainer's recipe in the machine's own PyTorch (docs/gpu-training.md).

The network is not defined here. `roadseg train-bundle` writes it as graph.json (FcnGraphJson: the layer list of
io.roadseg.model.FcnArchitecture, the one definition the ONNX exporter and the Java forward use) together with
seeded initial weights, the CamVid frames and rendered synthetic samples; this script interprets that graph with
torch.nn.functional, trains it on CUDA and writes a checkpoint in roadseg's own format (TrainingCheckpoint: big-endian,
the same tensor names as the Java trainer: param/…, buffer/…, adam.m/…, adam.v/…). Back on the Java side,
`roadseg export-model --from RUN.ckpt [--logit-adjust TAU] -o MODEL.onnx` folds the BatchNorms and exports.

The recipe is io.roadseg.train.Trainer's, done on the GPU in whole batches:
  * batches of --camvid-batch real crops (CamVid minus the held-out sequence) and --sim-batch synthetic ones;
  * random zoom log-uniform in --scale (depth divided by the zoom), random crop (void outside the frame), horizontal
    flip: one affine map per sample, sampled with grid_sample (bilinear for the image, nearest for ids and depth);
  * colour: gamma 1/1.6..1.6, contrast 0.7..1.3, brightness +-0.15, per-channel gain 0.9..1.1, saturation 0.6..1.4;
  * cross-entropy with ENet's class weights 1/ln(c + p) from the training labels, void ignored;
  * L1 of log depth where depth is known: synthetic everywhere (sky = max depth); real frames the sky (max depth)
    and the road (flat-ground depth of its source row, from bundle.json), weighted by --pseudo-depth-weight; with
    --contact-depth-weight W also the pavement and the ground contact of standing objects (the bundle's
    camvid/NAME.contact.png, Trainer.contactDepth at the bundle's CamVid pitch), weighted by W;
  * AdamW (decoupled decay on conv weights only), linear warm-up from a tenth of the peak, poly decay (power 0.9).
Data order is a function of (seed, step), so --resume continues a run exactly (up to GPU non-determinism).

--seconds S fixes the run's length from the measured speed: after --probe-steps steps the total is set so that the
run ends within S seconds of its start; the total is then written into the checkpoint like any other setting.
--stop-at-seconds S keeps the schedule and ends the run early instead, with a checkpoint that --resume continues
(for a fixed schedule that may not fit a lent machine's call).

Other modes: --forward (the test of the graph interpretation against the Java forward, CPU), and --weights-only IN
(IN's parameters and BatchNorm statistics to --out without the optimiser state: a third of the size, what --init and
roadseg export-model --average read; for a lent machine's 64 MiB and for committing finished runs).

Needs PyTorch, NumPy and Pillow only.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

MAGIC = "roadseg-training-checkpoint-1"
SKY, ROAD = 0, 3


# ---- roadseg's checkpoint format (io.roadseg.train.TrainingCheckpoint) ---------------------------------------------

def _read_utf(f):
    (n,) = struct.unpack(">H", f.read(2))
    return f.read(n).decode("utf-8")


def _write_utf(f, s):
    b = s.encode("utf-8")
    f.write(struct.pack(">H", len(b)))
    f.write(b)


def read_checkpoint(path):
    """Returns (properties, tensors): dicts in file order; tensors as float32 numpy arrays of their shapes."""
    with open(path, "rb") as f:
        try:
            magic = _read_utf(f)
        except (struct.error, UnicodeDecodeError):
            magic = ""
        if magic != MAGIC:
            raise ValueError(f"checkpoint {path}: not a roadseg training checkpoint")
        props = {}
        (n,) = struct.unpack(">i", f.read(4))
        for _ in range(n):
            k = _read_utf(f)
            props[k] = _read_utf(f)
        tensors = {}
        (count,) = struct.unpack(">i", f.read(4))
        for _ in range(count):
            name = _read_utf(f)
            (rank,) = struct.unpack(">i", f.read(4))
            shape = struct.unpack(">" + "i" * rank, f.read(4 * rank))
            (size,) = struct.unpack(">i", f.read(4))
            values = np.frombuffer(f.read(4 * size), dtype=">f4").astype(np.float32)
            if values.size != size:
                raise ValueError(f"checkpoint {path}: cut short")
            tensors[name] = values.reshape(shape)
    return props, tensors


def write_checkpoint(path, props, tensors):
    """Atomic: a temporary file moved into place, as the Java side writes it."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        _write_utf(f, MAGIC)
        f.write(struct.pack(">i", len(props)))
        for k, v in props.items():
            _write_utf(f, k)
            _write_utf(f, str(v))
        f.write(struct.pack(">i", len(tensors)))
        for name, t in tensors.items():
            a = np.ascontiguousarray(t, dtype=np.float32)
            _write_utf(f, name)
            f.write(struct.pack(">i", a.ndim))
            f.write(struct.pack(">" + "i" * a.ndim, *a.shape))
            f.write(struct.pack(">i", a.size))
            f.write(a.astype(">f4").tobytes())
    os.replace(tmp, path)


def java_double(x):
    """Double.toString's form for the values the settings use (0.004, 1.0E-4, 2.0), so properties match Java's."""
    x = float(x)
    if x == 0:
        return "0.0"
    if 1e-3 <= abs(x) < 1e7:
        s = repr(x)
        return s if ("." in s or "e" in s) else s + ".0"
    mantissa, exponent = f"{x:.15e}".split("e")
    m = repr(float(mantissa))
    return f"{m}E{int(exponent)}"


# ---- the network, interpreted from graph.json ------------------------------------------------------------------------

class GraphNet:
    """The FCN of graph.json in its training form: BatchNorm after the convs marked bn (no conv bias there)."""

    def __init__(self, graph, device):
        self.graph = graph
        self.layers = graph["layers"]
        self.momentum = graph["batch_norm"]["momentum"]
        self.eps = graph["batch_norm"]["epsilon"]
        self.params = {}   # name -> tensor, the Java trainer's order
        self.buffers = {}
        self.no_decay = set()
        for layer in self.layers:
            if layer["op"] == "conv":
                n, cin, cout, k, g = layer["name"], layer["in"], layer["out"], layer["kernel"], layer["groups"]
                self.params[n + ".weight"] = torch.zeros(cout, cin // g, k, k, device=device)
                if layer["bn"]:
                    self.params[n + ".bn.weight"] = torch.ones(cout, device=device)
                    self.params[n + ".bn.bias"] = torch.zeros(cout, device=device)
                    self.buffers[n + ".bn.running_mean"] = torch.zeros(cout, device=device)
                    self.buffers[n + ".bn.running_var"] = torch.ones(cout, device=device)
                    self.no_decay.update([n + ".bn.weight", n + ".bn.bias"])
                else:
                    self.params[n + ".bias"] = torch.zeros(cout, device=device)
                    self.no_decay.add(n + ".bias")
            elif layer["op"] == "prelu":
                self.params[layer["name"] + ".slope"] = torch.full((layer["channels"], 1, 1), 0.25, device=device)
                self.no_decay.add(layer["name"] + ".slope")
        for p in self.params.values():
            p.requires_grad_(True)

    def load(self, tensors):
        """Copies param/… and buffer/… tensors of a checkpoint in; every one must be there with its size."""
        with torch.no_grad():
            for prefix, into in (("param/", self.params), ("buffer/", self.buffers)):
                for name, t in into.items():
                    src = tensors.get(prefix + name)
                    if src is None or src.size != t.numel():
                        raise ValueError(f"checkpoint lacks {prefix}{name} or its size differs")
                    t.copy_(torch.from_numpy(np.ascontiguousarray(src).reshape(tuple(t.shape))))

    def state(self):
        out = {}
        for name, t in self.params.items():
            out["param/" + name] = t.detach().float().cpu().numpy()
        for name, t in self.buffers.items():
            out["buffer/" + name] = t.detach().float().cpu().numpy()
        return out

    def forward(self, image, training):
        """Returns (seg logits [N,K,H,W], depth metres [N,1,H,W])."""
        v = {self.graph["input"]: image}
        P, B = self.params, self.buffers
        for layer in self.layers:
            op = layer["op"]
            if op == "conv":
                n = layer["name"]
                x = v[layer["input"]]
                s, p, d, g = layer["stride"], layer["padding"], layer["dilation"], layer["groups"]
                if layer["bn"]:
                    y = F.conv2d(x, P[n + ".weight"], None, s, p, d, g)
                    y = F.batch_norm(y, B[n + ".bn.running_mean"], B[n + ".bn.running_var"], P[n + ".bn.weight"],
                                     P[n + ".bn.bias"], training, self.momentum, self.eps)
                else:
                    y = F.conv2d(x, P[n + ".weight"], P[n + ".bias"], s, p, d, g)
                v[n] = y
            elif op == "prelu":
                n = layer["name"]
                v[n] = F.prelu(v[layer["input"]], P[n + ".slope"].reshape(-1).to(v[layer["input"]].dtype))
            elif op == "relu":
                v[layer["output"]] = F.relu(v[layer["input"]])
            elif op == "sigmoid":
                v[layer["output"]] = torch.sigmoid(v[layer["input"]])
            elif op == "add":
                v[layer["output"]] = v[layer["left"]] + v[layer["right"]]
            elif op == "concat":
                v[layer["output"]] = torch.cat([v[layer["first"]], v[layer["second"]]], 1)
            elif op == "upsample":
                x = v[layer["input"]]
                f = layer["factor"]
                v[layer["output"]] = F.interpolate(x, size=(x.shape[2] * f, x.shape[3] * f), mode="bilinear",
                                                   align_corners=False)
            elif op == "avgpool":
                f = layer["factor"]
                v[layer["output"]] = F.avg_pool2d(v[layer["input"]], f, f)
            elif op == "gap":
                v[layer["output"]] = F.adaptive_avg_pool2d(v[layer["input"]], 1)
            elif op == "gate":
                v[layer["output"]] = v[layer["left"]] * v[layer["gate"]]
            elif op == "scale":
                v[layer["output"]] = v[layer["input"]] * layer["factor"]
            else:
                raise ValueError(f"graph.json: unknown op '{op}'")
        seg, depth = self.graph["outputs"]
        return v[seg], v[depth]


# ---- data ------------------------------------------------------------------------------------------------------------

def _load_image(path, mode=None):
    from PIL import Image
    with Image.open(path) as im:
        if mode is not None:
            im = im.convert(mode)
        return np.asarray(im)


def _read_meta(bundle):
    path = os.path.join(bundle, "bundle.json")
    if not os.path.isfile(path):
        raise ValueError(f"bundle {bundle}: no bundle.json (write it with roadseg train-bundle)")
    meta = json.load(open(path))
    if meta.get("format") != "roadseg-training-bundle-1":
        raise ValueError(f"bundle {bundle}: bundle.json is not a roadseg training bundle")
    return meta


def extra_sim_pools(meta, extra):
    """The bundles of --extra-sim, checked against the main bundle: the same frame size and camera (their samples
    go into one pool), and each a synthetic seed of its own (the same seed would render the same drives again)."""
    pools, seeds = [], {meta["sim"]["seed"]: "the bundle"}
    for folder in extra or []:
        m = _read_meta(folder)
        for key in ("width", "height", "camera"):
            if m.get(key) != meta.get(key):
                raise ValueError(f"--extra-sim {folder}: {key} {m.get(key)} differs from the bundle's {meta.get(key)}")
        seed = m["sim"]["seed"]
        if seed in seeds:
            raise ValueError(f"--extra-sim {folder}: synthetic seed {seed} is already {seeds[seed]}'s "
                             "(the same drives twice); write it with train-bundle --seed N")
        if m["sim"]["count"] < 1:
            raise ValueError(f"--extra-sim {folder}: no synthetic samples in it")
        seeds[seed] = folder
        pools.append((folder, m["sim"]))
    return pools


def load_bundle(bundle, held_out, device, log, extra_sim=None):
    meta = _read_meta(bundle)
    pools = [(bundle, meta["sim"])] + extra_sim_pools(meta, extra_sim)
    train_img, train_ids, train_contact, held_img, held_ids, held_names = [], [], [], [], [], []
    contact = bool(meta.get("contact_labels"))
    for frame in meta["camvid"]:
        stem = os.path.join(bundle, "camvid", frame["name"])
        img = _load_image(stem + ".jpg", "RGB")
        ids = _load_image(stem + ".png")
        if held_out and frame["name"].startswith(held_out):
            held_img.append(img), held_ids.append(ids), held_names.append(frame["name"])
        else:
            train_img.append(img), train_ids.append(ids)
            if contact:
                train_contact.append(_load_image(stem + ".contact.png").astype(np.float32) / 256.0)
    sim_img, sim_ids, sim_depth = [], [], []
    for folder, sim in pools:
        for k in range(sim["count"]):
            stem = os.path.join(folder, "sim", f"{k:06d}")
            sim_img.append(_load_image(stem + ".jpg", "RGB"))
            sim_ids.append(_load_image(stem + ".ids.png"))
            sim_depth.append(_load_image(stem + ".depth.png").astype(np.float32) / 256.0)

    def images(xs):
        return torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).contiguous().to(device)

    def plain(xs):
        return torch.from_numpy(np.stack(xs)).to(device)

    ids = plain(train_ids)
    data = {
        "meta": meta, "sim_pools": [sim for _, sim in pools],
        "train_img": images(train_img), "train_ids": ids,
        "train_contact": plain(train_contact) if contact else None,
        "frames_with_class": torch.stack([(ids == k).flatten(1).any(1) for k in range(len(meta["classes"]))], 1),
        "held_img": images(held_img) if held_img else None, "held_ids": plain(held_ids) if held_ids else None,
        "sim_img": images(sim_img) if sim_img else None, "sim_ids": plain(sim_ids) if sim_ids else None,
        "sim_depth": plain(sim_depth) if sim_depth else None,
        "road_depth": torch.tensor(meta["road_depth_by_row"], dtype=torch.float32, device=device),
        "mean": torch.tensor(meta["mean"], device=device).view(1, 3, 1, 1),
        "std": torch.tensor(meta["std"], device=device).view(1, 3, 1, 1),
    }
    log(f"data: {len(train_img)} CamVid frames to train on, {len(held_img)} held out ({held_out or 'none'}), "
        f"{len(sim_img)} synthetic samples")
    return data


def class_weights(ids, classes, c):
    counts = torch.bincount(ids.flatten().long(), minlength=classes + 1)[:classes].double()
    p = counts / counts.sum().clamp_min(1)
    return (1.0 / torch.log(c + p)).float()


def warp(src, gx, gy, mode):
    """Samples src [B,C,H,W] (float) at pixel coordinates gx, gy [B,h,w] (align_corners: pixel centres)."""
    h, w = src.shape[2], src.shape[3]
    grid = torch.stack([2 * gx / (w - 1) - 1, 2 * gy / (h - 1) - 1], dim=-1)
    return F.grid_sample(src, grid, mode=mode, padding_mode="zeros", align_corners=True)


def make_batch(data, step, args, device, max_depth, classes):
    """One training batch, a function of (seed, step): normalised images, class targets, depth and its weights."""
    g = torch.Generator(device=device)
    g.manual_seed(args.seed * 1000003 + step)
    nc, ns = args.camvid_batch, args.sim_batch
    cw, ch = args.crop_w, args.crop_h
    H, W = data["train_img"].shape[2], data["train_img"].shape[3]
    parts_img, parts_ids, parts_depth, real = [], [], [], []
    focused = None
    if nc:
        i = torch.randint(0, data["train_img"].shape[0], (nc,), generator=g, device=device)
        if args.class_uniform > 0:
            i, focused, fx, fy = class_uniform(data, i, args.class_uniform, g, classes)
        parts_img.append(data["train_img"][i])
        parts_ids.append(data["train_ids"][i])
        parts_depth.append(data["train_contact"][i] if args.contact_depth_weight > 0
                           else torch.zeros(nc, H, W, device=device))
        real.append(torch.ones(nc, dtype=torch.bool, device=device))
    if ns:
        i = torch.randint(0, data["sim_img"].shape[0], (ns,), generator=g, device=device)
        parts_img.append(data["sim_img"][i])
        parts_ids.append(data["sim_ids"][i])
        parts_depth.append(data["sim_depth"][i])
        real.append(torch.zeros(ns, dtype=torch.bool, device=device))
    img = torch.cat(parts_img).float()
    ids = torch.cat(parts_ids).float().unsqueeze(1)
    depth = torch.cat(parts_depth).unsqueeze(1)
    real = torch.cat(real)
    b = img.shape[0]

    u = torch.rand(b, 8, generator=g, device=device)
    zoom = torch.exp(math.log(args.scale_min) + u[:, 0] * math.log(args.scale_max / args.scale_min))
    sw, sh = W * zoom, H * zoom
    ox = torch.where(sw > cw, u[:, 1] * (sw - cw), -u[:, 1] * (cw - sw))
    oy = torch.where(sh > ch, u[:, 2] * (sh - ch), -u[:, 2] * (ch - sh))
    if focused is not None:
        # class-uniform crops: the window over the chosen pixel, inside the zoomed frame (Trainer.windowStart)
        pad = torch.zeros(b - nc, device=device)
        hit = torch.cat([focused, pad.bool()])
        fx, fy = torch.cat([fx, pad]) * zoom, torch.cat([fy, pad]) * zoom
        ox = torch.where(hit & (sw > cw), torch.minimum((fx - u[:, 1] * cw).clamp(min=0), sw - cw), ox)
        oy = torch.where(hit & (sh > ch), torch.minimum((fy - u[:, 2] * ch).clamp(min=0), sh - ch), oy)
    flip = u[:, 3] < 0.5
    xs = torch.arange(cw, device=device, dtype=torch.float32).view(1, 1, cw).expand(b, ch, cw)
    ys = torch.arange(ch, device=device, dtype=torch.float32).view(1, ch, 1).expand(b, ch, cw)
    xs = torch.where(flip.view(b, 1, 1), cw - 1 - xs, xs)
    gx = (xs + ox.view(b, 1, 1)) / zoom.view(b, 1, 1)
    gy = (ys + oy.view(b, 1, 1)) / zoom.view(b, 1, 1)
    img = warp(img, gx, gy, "bilinear") / 255.0
    ids = warp(ids + 1, gx, gy, "nearest").round().long().squeeze(1) - 1
    ids = torch.where(ids < 0, torch.full_like(ids, classes), ids)
    depth = warp(depth, gx, gy, "nearest").squeeze(1) / zoom.view(b, 1, 1)

    # depth labels: synthetic exact (sky far); real: sky far, road from its source row's flat-ground depth, with
    # contact labels also the pavement and standing objects (their warped contact label, weighted apart)
    is_real = real.view(b, 1, 1)
    pseudo = torch.full_like(depth, args.pseudo_depth_weight)
    if args.contact_depth_weight > 0:
        real_d = depth
        real_w = torch.where((ids == ROAD) | (ids == SKY), pseudo, torch.full_like(depth, args.contact_depth_weight))
    else:
        row = torch.floor(gy).long()
        inside = (row >= 0) & (row < H)
        road = data["road_depth"][row.clamp(0, H - 1)] * inside / zoom.view(b, 1, 1)
        real_d = torch.where(ids == ROAD, road, torch.zeros_like(road))
        real_w = pseudo
    d = torch.where(is_real, real_d, depth)
    d = torch.where(ids == SKY, torch.full_like(d, max_depth), d)
    known = d > 0.5
    w = torch.where(is_real, real_w, torch.ones_like(d)) * known
    d = torch.where(known, d.clamp(max=max_depth), torch.ones_like(d))

    if args.colour_jitter:
        gamma = torch.exp((u[:, 4] * 2 - 1) * math.log(1.6)).view(b, 1, 1, 1)
        contrast = (0.7 + 0.6 * u[:, 5]).view(b, 1, 1, 1)
        brightness = ((u[:, 6] * 2 - 1) * 0.15).view(b, 1, 1, 1)
        saturation = (0.6 + 0.8 * u[:, 7]).view(b, 1, 1, 1)
        gain = (0.9 + 0.2 * torch.rand(b, 3, 1, 1, generator=g, device=device))
        x = img.clamp(0, 1) ** gamma
        x = (((x - 0.5) * contrast + 0.5 + brightness) * gain).clamp(0, 1)
        grey = 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]
        img = (grey + saturation * (x - grey)).clamp(0, 1)
    img = (img - data["mean"]) / data["std"]
    return img, ids, d.unsqueeze(1), w.unsqueeze(1)


def lr_at(step, peak, warmup, total):
    """io.roadseg.train.LearningRateSchedule."""
    if step <= warmup:
        return peak * (0.1 + 0.9 * step / max(1, warmup))
    t = min(1.0, (step - warmup) / (total - warmup))
    return peak * (1 - t) ** 0.9


@torch.no_grad()
def score(net, data, classes, size_hw, log, step, held_out):
    """mIoU of the eval-mode network on the held-out frames at the model's input size (FP32)."""
    img_all, ids_all = data["held_img"], data["held_ids"]
    h, w = size_hw
    conf = torch.zeros(classes, classes, dtype=torch.long, device=img_all.device)
    for s in range(0, img_all.shape[0], 16):
        img = F.interpolate(img_all[s:s + 16].float(), size=(h, w), mode="area") / 255.0
        img = (img - data["mean"]) / data["std"]
        ids = F.interpolate(ids_all[s:s + 16].float().unsqueeze(1), size=(h, w), mode="nearest").long().squeeze(1)
        pred = net.forward(img, False)[0].argmax(1)
        keep = ids < classes
        conf += torch.bincount(ids[keep] * classes + pred[keep], minlength=classes * classes).view(classes, classes)
    conf = conf.double()
    tp = conf.diag()
    truth, predicted = conf.sum(1), conf.sum(0)
    iou = tp / (truth + predicted - tp).clamp_min(1)
    present = truth > 0
    miou = iou[present].mean().item()
    ratio = (predicted / truth.clamp_min(1)).max().item()
    names = data["meta"]["classes"]
    per = " ".join(f"{names[c]} {100 * iou[c]:.1f}/{predicted[c] / max(1, truth[c]):.2f}x" for c in range(classes))
    log(f"held-out {held_out} at step {step}: mIoU {100 * miou:.2f} %, pixel accuracy "
        f"{100 * tp.sum().item() / max(1, conf.sum().item()):.2f} %, largest predicted/true {ratio:.2f}x; {per}")
    return miou


# ---- training --------------------------------------------------------------------------------------------------------

def class_uniform(data, i, p, g, classes):
    """Class-uniform sampling (roadseg train --class-uniform): with probability p a real crop's frame is chosen by
    drawing a class uniformly among those the training frames hold, then a frame that holds it, then one of its
    pixels, which the crop's window is placed over. Returns the frame indices, which crops are focused, and the
    chosen pixels' columns and rows."""
    n, device = i.shape[0], i.device
    holds = data["frames_with_class"]                                   # [frames, classes] bool
    present = holds.any(0).nonzero().flatten()
    chosen = torch.rand(n, generator=g, device=device) < p
    cls = present[torch.randint(0, present.numel(), (n,), generator=g, device=device)]
    frame = torch.multinomial(holds[:, cls].T.float(), 1, generator=g).flatten()
    ids = data["train_ids"][frame]
    pixel = torch.multinomial((ids == cls.view(n, 1, 1)).flatten(1).float(), 1, generator=g).flatten()
    width = ids.shape[2]
    return torch.where(chosen, frame, i), chosen, (pixel % width).float(), (pixel // width).float()


# settings added after the first checkpoints, with the value such a checkpoint was trained with (as Trainer's)
ADDED_SETTINGS = {"lovasz": "0.0", "contact_trees": "false", "relu": "false", "class_uniform": "0.0"}


def settings_properties(args, steps):
    return {
        "splits": args.splits, "held_out": args.held_out, "steps": str(steps),
        "camvid_per_batch": str(args.camvid_batch), "sim_per_batch": str(args.sim_batch),
        "crop": f"{args.crop_w}x{args.crop_h}", "lr": java_double(args.lr),
        "weight_decay": java_double(args.weight_decay), "warmup": str(args.warmup),
        "scale": f"{java_double(args.scale_min)}..{java_double(args.scale_max)}",
        "colour_jitter": "true" if args.colour_jitter else "false",
        "class_weight_c": java_double(args.class_weight_c), "pseudo_depth_weight": java_double(args.pseudo_depth_weight),
        "contact_depth_weight": java_double(args.contact_depth_weight),
        "camvid_pitch_deg": java_double(args.camvid_pitch),
        "contact_trees": "true" if args.contact_depth_weight > 0 and args.contact_trees else "false",
        "lovasz": java_double(args.lovasz), "relu": "true" if args.relu else "false",
        "class_uniform": java_double(args.class_uniform), "seed": str(args.seed),
    }


def lovasz_softmax(logits, targets, classes):
    """The Lovász-softmax loss over the batch, void (== classes) ignored: io.roadseg.train.LovaszSoftmax's."""
    valid = targets != classes
    fg = F.one_hot(targets.masked_fill(~valid, classes).reshape(-1), classes + 1)[:, :classes].t().float()
    p = logits.softmax(1).transpose(0, 1).reshape(classes, -1)
    errors = (fg - p).abs() * valid.reshape(1, -1).float()
    errors_sorted, perm = errors.sort(1, descending=True)
    fg_sorted = fg.gather(1, perm)
    gts = fg_sorted.sum(1, keepdim=True)
    jaccard = 1 - (gts - fg_sorted.cumsum(1)) / (gts + (1 - fg_sorted).cumsum(1))
    gradient = torch.cat([jaccard[:, :1], jaccard[:, 1:] - jaccard[:, :-1]], 1)
    per_class = (errors_sorted * gradient).sum(1)
    present = (gts.reshape(-1) > 0).float()
    return (per_class * present).sum() / present.sum().clamp_min(1.0)


def train(args):
    t_start = time.time()
    logf = open(args.log, "a") if args.log else None

    def log(msg):
        line = f"[{time.time() - t_start:7.1f} s] {msg}"
        print(line, flush=True)
        if logf:
            logf.write(line + "\n")
            logf.flush()

    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True
        # TF32 (10-bit mantissa) in the float32 convolutions and matrix products unless --no-tf32
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
        where = f"{torch.cuda.get_device_name(0)}"
    else:
        where = f"the CPU ({torch.get_num_threads()} threads)"
    trainer = f"scripts/gpu_train.py (PyTorch {torch.__version__} on {where})"
    if cuda:
        # the arithmetic goes into the checkpoint's trainer text, and so into the model's metadata
        trainer = trainer[:-1] + (", bf16 autocast)" if args.bf16 else ", TF32)" if args.tf32 else ", strict FP32)")
    log(f"train: {trainer}; bf16 autocast {'on' if cuda and args.bf16 else 'off'}"
        f"{'' if not cuda or args.bf16 else ', TF32 ' + ('on' if args.tf32 else 'off')}")
    home = os.path.join(args.bundle, "variants", args.variant) if args.variant else args.bundle
    if not os.path.isfile(os.path.join(home, "graph.json")):
        raise ValueError(f"bundle {args.bundle}: no network {'variant ' + args.variant if args.variant else ''}"
                         f" (graph.json not found in {home})")
    graph = json.load(open(os.path.join(home, "graph.json")))
    classes, max_depth = graph["classes"], graph["max_depth"]
    data = load_bundle(args.bundle, args.held_out, device, log, args.extra_sim)
    # the ground-plane labels are the bundle's (train-bundle --camvid-pitch, --contact-trees)
    args.camvid_pitch = float(data["meta"].get("camvid_pitch_deg", 2.0))
    args.contact_trees = bool(data["meta"].get("contact_trees", False))
    if args.contact_depth_weight > 0 and data["train_contact"] is None:
        raise ValueError(f"bundle {args.bundle}: no contact depth labels for --contact-depth-weight (written before "
                         "train-bundle made them): write the bundle again")
    if args.held_out and data["held_img"] is None:
        raise ValueError(f"held-out sequence {args.held_out}: no such frames in the bundle")
    if args.sim_batch and data["sim_img"] is None:
        raise ValueError("--sim-batch > 0 but the bundle has no synthetic samples")
    # what the synthetic part was: the bundle's fixed samples (and --extra-sim's), not the Java trainer's stream of
    # the run's seed
    sim_data = " + ".join(f"roadseg sim seed {sim['seed']}, {sim['count']} fixed samples, every {sim['stride']}th"
                          for sim in data["sim_pools"]) + (", of a training bundle" if len(data["sim_pools"]) == 1
                                                            else ", of training bundles")
    weights = class_weights(data["train_ids"], classes, args.class_weight_c)
    weights_text = ",".join(str(np.float32(x)) for x in weights.cpu().numpy())
    log(f"class weights {weights_text}")

    net = GraphNet(graph, device)
    decay = [p for n, p in net.params.items() if n not in net.no_decay]
    no_decay = [p for n, p in net.params.items() if n in net.no_decay]
    groups = [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    try:
        opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-8, fused=cuda)
    except (TypeError, RuntimeError):
        opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    names = list(net.params.keys())
    first_step, total = 1, args.steps
    props0 = {}
    if args.resume:
        props0, tensors = read_checkpoint(args.resume)
        if "adam_steps" not in props0:
            raise ValueError(f"--resume {args.resume}: no optimiser state (written by --weights-only): it can start a "
                             "run (--init), not continue one")
        net.load(tensors)
        first_step = int(props0["step"]) + 1
        total = int(props0["steps"])
        # a setting added later ("lovasz") reads as its old value in a checkpoint written before it
        was = {k: props0.get(k, ADDED_SETTINGS.get(k)) for k in settings_properties(args, total)}
        if settings_properties(args, total) != was:
            raise ValueError("--resume: the checkpoint was trained with other settings")
        if props0.get("sim_data", sim_data) != sim_data:
            raise ValueError(f"--resume: the checkpoint was trained on other synthetic samples ({props0['sim_data']}; "
                             "give the same --extra-sim)")
        sd = opt.state_dict()
        index = {id(p): i for i, p in enumerate([p for gr in opt.param_groups for p in gr["params"]])}
        state = {}
        for n in names:
            p = net.params[n]
            state[index[id(p)]] = {
                "step": torch.tensor(float(props0["adam_steps"])),
                "exp_avg": torch.from_numpy(tensors["adam.m/" + n].copy()).reshape(p.shape).to(device),
                "exp_avg_sq": torch.from_numpy(tensors["adam.v/" + n].copy()).reshape(p.shape).to(device),
            }
        opt.load_state_dict({"state": state, "param_groups": sd["param_groups"]})
        log(f"resumed at step {first_step - 1} of {total}")
    else:
        _, tensors = read_checkpoint(args.init or os.path.join(home, "init.ckpt"))
        net.load(tensors)
    if args.relu:
        # every PReLU slope 0 and out of training (no gradient: AdamW skips it): a ReLU network, as Trainer's --relu
        with torch.no_grad():
            for n, p in net.params.items():
                if n.endswith(".slope"):
                    p.requires_grad_(False)
                    p.zero_()
        log("ReLU: every PReLU slope set to 0 and held there")
    ce_weight = weights.to(device)
    amp = cuda and args.bf16
    channels_last = cuda

    def save(step, held_miou, final=False):
        props = settings_properties(args, total)
        props.update({"step": str(step), "architecture": graph["name"]})
        if "channels" in graph:
            props["channels"] = graph["channels"]
        if "warm_start" in props0:
            props["warm_start"] = props0["warm_start"]
        elif args.init and not args.resume:
            # started from a given run's weights, as roadseg train --from records it (export-model --average reads it)
            props["warm_start"] = os.path.basename(args.init)
        tensors = net.state()
        for n in names:
            st = opt.state.get(net.params[n], {})
            p = net.params[n]
            zeros = np.zeros(tuple(p.shape), np.float32)
            tensors["adam.m/" + n] = st["exp_avg"].float().cpu().numpy() if "exp_avg" in st else zeros
            tensors["adam.v/" + n] = st["exp_avg_sq"].float().cpu().numpy() if "exp_avg_sq" in st else zeros
        props["adam_steps"] = str(step)
        props["class_weights"] = weights_text
        if held_miou is not None:
            props["held_out_miou"] = repr(held_miou)
        props["trainer"] = trainer
        props["sim_data"] = sim_data
        write_checkpoint(args.out, props, tensors)
        log(f"checkpoint {args.out} at step {step}{' (final)' if final else ''}")

    held_miou = None
    ema_seg = ema_dep = None
    t_loop = time.time()
    t_ckpt = time.time()
    probe_t0 = None
    step = first_step - 1
    model_hw = (352, 480)
    while step < total:
        step += 1
        if args.seconds and not args.resume and step == 21:
            probe_t0 = time.time()
        if args.seconds and not args.resume and step == args.probe_steps + 1 and probe_t0 is not None:
            if cuda:
                torch.cuda.synchronize()
            per_step = (time.time() - probe_t0) / (args.probe_steps - 20)
            left = args.seconds - (time.time() - t_start) - args.reserve
            total = max(args.warmup + 100, args.probe_steps + int(left / per_step))
            log(f"speed: {per_step * 1000:.1f} ms per step, {(args.camvid_batch + args.sim_batch) / per_step:.0f} "
                f"crops/s; the run is set to {total} steps "
                f"({total * args.camvid_batch / max(1, data['train_img'].shape[0]):.0f} epochs of the CamVid frames)")
        lr = lr_at(step, args.lr, args.warmup, max(total, args.warmup + 1))
        for gr in opt.param_groups:
            gr["lr"] = lr
        with torch.no_grad():
            x, y, d, dw = make_batch(data, step, args, device, max_depth, classes)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if amp:
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                seg, dep = net.forward(x, True)
        else:
            seg, dep = net.forward(x, True)
        seg = seg.float()
        dep = dep.float()
        seg_loss = F.cross_entropy(seg, y, weight=ce_weight, ignore_index=classes)
        log_diff = (dep.clamp_min(1e-3).log() - d.log()).abs()
        dep_loss = (log_diff * dw).sum() / dw.sum().clamp_min(1.0)
        loss = seg_loss + dep_loss
        if args.lovasz > 0:
            # every other row and column, as the Java trainer
            loss = loss + args.lovasz * lovasz_softmax(seg[:, :, ::2, ::2], y[:, ::2, ::2], classes)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % args.log_every == 0 or step == total or step == first_step:
            s, dv = seg_loss.item(), dep_loss.item()
            if not (math.isfinite(s) and math.isfinite(dv)):
                raise FloatingPointError(f"loss is not finite at step {step} (segmentation {s}, depth {dv}); "
                                         "lower --lr")
            a = 0.2
            ema_seg = s if ema_seg is None else (1 - a) * ema_seg + a * s
            ema_dep = dv if ema_dep is None else (1 - a) * ema_dep + a * dv
            el = time.time() - t_loop
            done = step - first_step + 1
            log(f"epoch {step * args.camvid_batch / data['train_img'].shape[0]:.1f}  step {step}/{total}  lr {lr:.2e}"
                f"  seg {ema_seg:.4f}  depth {ema_dep:.4f}  {done * x.shape[0] / el:.0f} crops/s")
        last = step == total
        out_of_time = bool(args.stop_at_seconds) and not last and time.time() - t_start > args.stop_at_seconds
        stop = (args.stop_after and step == args.stop_after) or out_of_time
        if data["held_img"] is not None and (step % args.eval_every == 0 or last):
            held_miou = score(net, data, classes, model_hw, log, step, args.held_out)
        if last or stop or time.time() - t_ckpt > args.checkpoint_seconds:
            save(step, held_miou, final=last)
            t_ckpt = time.time()
        if stop:
            log(f"stopped after step {step} of {total}, as asked" + (f" (--stop-at-seconds {args.stop_at_seconds:g}); "
                f"--resume {args.out} continues it" if out_of_time else ""))
            break
    if first_step > total:
        log(f"the run had finished at step {total}")
    log(f"done in {time.time() - t_start:.0f} s")


# ---- the forward test ------------------------------------------------------------------------------------------------

def forward_mode(args):
    """Reads graph.json, a checkpoint in training form and a raw float32 image [1,3,H,W] (little-endian); writes the
    eval-mode seg logits then depth (float32, little-endian) to --out."""
    graph = json.load(open(args.graph))
    net = GraphNet(graph, torch.device("cpu"))
    _, tensors = read_checkpoint(args.weights)
    net.load(tensors)
    h, w = args.size_hw
    x = torch.from_numpy(np.fromfile(args.input, dtype="<f4").reshape(1, 3, h, w).copy())
    with torch.no_grad():
        seg, depth = net.forward(x, False)
    with open(args.out, "wb") as f:
        f.write(seg.numpy().astype("<f4").tobytes())
        f.write(depth.numpy().astype("<f4").tobytes())


def weights_only(args):
    props, tensors = read_checkpoint(args.weights_only)
    if "adam_steps" in props:
        props = dict(props)
        del props["adam_steps"]  # no optimiser state: the checkpoint can start a run (--init) but not resume one
    props["optimiser_state"] = "dropped"
    write_checkpoint(args.out, props, {k: v for k, v in tensors.items() if not k.startswith("adam.")})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", help="folder written by roadseg train-bundle")
    ap.add_argument("--out", required=True, help="checkpoint to write (roadseg's .ckpt format), or --forward's output")
    ap.add_argument("--log", help="append the log here too")
    ap.add_argument("--resume", help="continue the run of this checkpoint")
    ap.add_argument("--init", help="initial weights (default: the bundle's init.ckpt, or the variant's)")
    ap.add_argument("--variant", help="train the network variant of this name (train-bundle --variant: other "
                                      "channel widths, in BUNDLE/variants/NAME/)")
    ap.add_argument("--extra-sim", action="append", metavar="BUNDLE",
                    help="also the synthetic samples of this bundle (train-bundle with another --seed; its sim/ and "
                         "bundle.json are enough), in one pool with the bundle's (repeatable)")
    ap.add_argument("--splits", default="train,val", help="recorded: the splits the bundle holds")
    ap.add_argument("--held-out", default="0006R0", help="sequence prefix never trained on ('none': train on all)")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--seconds", type=float, default=0, help="set --steps from the measured speed to end in this time")
    ap.add_argument("--stop-after", type=int, default=0,
                    help="end after this step with a checkpoint, as an interrupted run would (the schedule still "
                         "spans --steps); for the resume test")
    ap.add_argument("--stop-at-seconds", type=float, default=0,
                    help="end with a checkpoint once this many seconds have passed since the start, wherever the "
                         "schedule is (--resume continues it exactly): a run that may not fit a lent machine's call")
    ap.add_argument("--probe-steps", type=int, default=60)
    ap.add_argument("--reserve", type=float, default=25, help="seconds kept for evaluation and the last checkpoint")
    ap.add_argument("--camvid-batch", type=int, default=16)
    ap.add_argument("--sim-batch", type=int, default=4)
    ap.add_argument("--crop", default="480x352")
    ap.add_argument("--lr", type=float, default=0.004)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--scale", default="0.5..2.0")
    ap.add_argument("--no-colour-jitter", dest="colour_jitter", action="store_false")
    ap.add_argument("--class-weight-c", type=float, default=1.10)
    ap.add_argument("--pseudo-depth-weight", type=float, default=0.5)
    ap.add_argument("--contact-depth-weight", type=float, default=0.0,
                    help="weight of the real frames' pavement and ground-contact depth labels (roadseg train "
                         "--contact-depth-weight; the bundle's CamVid pitch and tree setting)")
    ap.add_argument("--lovasz", type=float, default=0.0,
                    help="weight of the Lovász-softmax loss (roadseg train --lovasz)")
    ap.add_argument("--relu", action="store_true",
                    help="hold every PReLU slope at 0: a ReLU network (roadseg train --relu; engines/roadseg.md)")
    ap.add_argument("--class-uniform", type=float, default=0.0,
                    help="probability that a real crop is placed by class-uniform sampling (roadseg train "
                         "--class-uniform)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--checkpoint-seconds", type=float, default=60)
    ap.add_argument("--no-bf16", dest="bf16", action="store_false", help="FP32 on CUDA (bf16 autocast by default)")
    ap.add_argument("--no-tf32", dest="tf32", action="store_false",
                    help="with --no-bf16: strict FP32 convolutions on CUDA, as the Java trainer's on the CPU (TF32 "
                         "by default)")
    ap.add_argument("--cpu", action="store_true", help="train on the CPU even where CUDA is present")
    ap.add_argument("--forward", action="store_true", help="test mode: one eval-mode forward (see forward_mode)")
    ap.add_argument("--weights-only", metavar="CKPT", help="write CKPT without its optimiser state to --out")
    ap.add_argument("--graph")
    ap.add_argument("--weights")
    ap.add_argument("--input")
    ap.add_argument("--size", default="480x352", help="--forward: input WIDTHxHEIGHT")
    args = ap.parse_args(argv)
    try:
        if args.weights_only:
            weights_only(args)
            return 0
        if args.forward:
            w, h = (int(v) for v in args.size.split("x"))
            args.size_hw = (h, w)
            forward_mode(args)
            return 0
        if not args.bundle:
            raise ValueError("--bundle is required")
        args.crop_w, args.crop_h = (int(v) for v in args.crop.split("x"))
        if args.crop_w % 16 or args.crop_h % 16:
            raise ValueError(f"--crop {args.crop}: width and height must be multiples of 16")
        args.scale_min, args.scale_max = (float(v) for v in args.scale.split(".."))
        if not (0 <= args.class_uniform <= 1):
            raise ValueError(f"--class-uniform {args.class_uniform}: must be in 0..1")
        if not (args.contact_depth_weight >= 0):
            raise ValueError(f"--contact-depth-weight {args.contact_depth_weight}: must be >= 0")
        if args.held_out == "none":
            args.held_out = ""
        train(args)
        return 0
    except (ValueError, OSError, FloatingPointError) as e:
        print(f"gpu_train: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
