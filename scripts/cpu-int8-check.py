#!/usr/bin/env python3
"""Is static INT8 (QDQ) quantization a speed lever for the CPU runtime? A measurement, not part of the product.

Quantizes a roadseg model with ONNX Runtime's own tool (QDQ, per-channel int8 weights, uint8 activations, MinMax
calibration on CamVid training frames of sequences 0001TP and 0016E5, never the held-out 0006R0), then times it
against the float model in one process, interleaved, 2 intra-op threads, at the README command's 544x304.
Needs Python with onnxruntime, onnx, numpy and pillow (e.g. a venv: pip install onnxruntime onnx pillow).

  python3 scripts/cpu-int8-check.py engines/roadseg.onnx ../shared/data/camvid out/int8.onnx
"""
import glob
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)

W, H = 544, 304


def normalisation(model):
    """The model's own (mean, std, RGB?) from its metadata, as the Java preprocessor reads them."""
    meta = ort.InferenceSession(model, providers=['CPUExecutionProvider']).get_modelmeta().custom_metadata_map
    mean, std = (np.array([float(v) for v in meta['roadseg.' + k].split(',')], np.float32)[:, None, None]
                 for k in ('mean', 'std'))
    return mean, std, meta.get('roadseg.pixel_order', 'RGB') == 'RGB'


def frames(camvid, model):
    mean, std, rgb = normalisation(model)
    files = sorted(glob.glob(camvid + '/train/0001TP*.png'))[::4] + sorted(glob.glob(camvid + '/train/0016E5*.png'))[::8]
    for f in files:
        a = np.asarray(Image.open(f).convert('RGB').resize((W, H), Image.BOX)).transpose(2, 0, 1)
        a = a if rgb else a[::-1]
        yield ((a.astype(np.float32) / 255 - mean) / std)[None]


class Reader(CalibrationDataReader):
    def __init__(self, camvid, model):
        self.it = iter(frames(camvid, model))

    def get_next(self):
        x = next(self.it, None)
        return None if x is None else {'image': x}


def session(path):
    o = ort.SessionOptions()
    o.intra_op_num_threads = 2
    o.inter_op_num_threads = 1
    return ort.InferenceSession(path, o, providers=['CPUExecutionProvider'])


def main(model, camvid, out):
    quantize_static(model, out, Reader(camvid, model), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.MinMax)
    sessions = {model: session(model), out: session(out)}
    x = np.random.rand(1, 3, H, W).astype(np.float32)
    for s in sessions.values():
        for _ in range(10):
            s.run(None, {'image': x})
    rates = {p: [] for p in sessions}
    for _ in range(5):
        for p, s in sessions.items():
            t = time.perf_counter()
            for _ in range(40):
                s.run(None, {'image': x})
            rates[p].append(40 / (time.perf_counter() - t))
    for p, r in rates.items():
        print('%s: %s frames/s (median %.1f)' % (p, ' '.join('%.1f' % v for v in r), np.median(r)))
    print('int8 / float: %.2fx (medians; ONNX Runtime %s)' % (np.median(rates[out]) / np.median(rates[model]),
                                                            ort.__version__))


if __name__ == '__main__':
    main(*sys.argv[1:4])
