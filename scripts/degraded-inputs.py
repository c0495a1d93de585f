#!/usr/bin/env python3
"""Degraded copies of real inputs: does the network's confidence fall when its perception does? A measurement,
not part of the product (engines/roadseg.md, "Confidence").

Writes, for each degradation (below), a copy of a video (OUT/NAME.mp4) and of the CamVid frames of one sequence as
a CamVid-style folder (OUT/camvid-NAME/train/ with the true labels linked in trainannot/), to be run and scored:

  python3 scripts/degraded-inputs.py ../shared/data/drives/solidWhiteRight.mp4 ../shared/data/camvid 0006R0 out/degraded
  python3 scripts/degraded-inputs.py … out/degraded smear frozen      # only these degradations
  python3 scripts/degraded-inputs.py … out/degraded views             # only the narrower views (below)

Also writes, not degradations, the video's real pixels as narrower cameras would see them (OUT/view-NAME.mp4,
VIEWS): its centre at a half and a third of its width (a 2x and a 3x telephoto) and a portrait crop, to which a
camera check must raise nothing, though they hold more smooth sky and road and fewer edges than the whole picture.
  ./roadseg run out/degraded/fog.mp4 --results out/degraded/fog.jsonl          # per-frame "confidence"
  ./roadseg eval --camvid out/degraded/camvid-fog --split train --sequence 0006R0 --model MODEL   # mIoU, calibration

Needs Python with av, numpy and pillow (e.g. a venv: pip install av numpy pillow). Deterministic (seeded noise).
"""
import os
import sys

import av
import numpy as np
from PIL import Image


def blur(a, k):
    """Three passes of a (2k+1) box filter in each direction: close to a Gaussian of sigma ~ k."""
    out = a
    for _ in range(3):
        c = np.cumsum(np.pad(out, ((0, 0), (k + 1, k), (0, 0)), mode='edge'), axis=1)
        out = (c[:, 2 * k + 1:] - c[:, :-2 * k - 1]) / (2 * k + 1)
        c = np.cumsum(np.pad(out, ((k + 1, k), (0, 0), (0, 0)), mode='edge'), axis=0)
        out = (c[2 * k + 1:] - c[:-2 * k - 1]) / (2 * k + 1)
    return out


def degradations(rng):
    """name -> function of an RGB float image (0..255), result clipped to 0..255 by the caller."""
    return {
        'dusk': lambda a: a * 0.4,                                   # a dimmer scene, still exposed
        'night': lambda a: a * 0.12 + rng.normal(0, 4, a.shape),     # underexposed, sensor noise
        'fog': lambda a: a * 0.3 + 168,                              # contrast gone towards a bright grey
        'glare': lambda a: (a - 128) * 0.6 + 238,                    # overexposed, washed out
        'blur': lambda a: blur(a, 6),                                # defocus, water on the lens
        'noise': lambda a: a + rng.normal(0, 60, a.shape),           # heavy sensor noise
        'covered': lambda a: np.full_like(a, 128.0),                 # the lens covered
        'upper-half': lambda a: np.concatenate([np.full_like(a[:a.shape[0] // 2], 40.0), a[a.shape[0] // 2:]]),
        'upside-down': lambda a: a[::-1, ::-1],                      # a camera mounted upside down: turned 180°
        'sideways': lambda a: np.rot90(a),                           # a picture turned on its side (90°)
        'smear': smear,                                              # mud or water over part of the lens
        'smear-medium': lambda a: smear(a, 8),                       # the same, a thinner film
        'smear-light': lambda a: smear(a, 4),                        # a light film (a wiper's streak)
        'frozen': lambda a: a,                                       # a stuck camera (video only: see FROZEN)
    }


def smear(a, k=15):
    """The lower left of the picture (40 % of its width, 60 % of its height) seen through a smear: blurred by a Gaussian
    of about k pixels (15: heavily; σ 7.5 at the network's 480 px width for the 960 px clip and CamVid)."""
    h, w = a.shape[:2]
    out = a.copy()
    out[h - int(0.6 * h):, :int(0.4 * w)] = blur(a, k)[h - int(0.6 * h):, :int(0.4 * w)]
    return out


# 'frozen': the video repeats its frame FROZEN[0] in place of frames FROZEN[0]+1 .. FROZEN[1]-1 (as a stuck driver
# would), then goes on; so does the shipped drive in OUT/recording-frozen/ (with its motion), and OUT/parked.mp4 is
# the counterpart that must not be called stuck; the frames of a CamVid sequence are a second apart: no folder
FROZEN = (60, 120)


# the narrower views: name -> (left, top, width, height) as shares of the picture; even sizes for yuv420p
VIEWS = {
    'tele2': (0.25, 0.25, 0.5, 0.5),          # the centre at half the width: a 2x telephoto
    'tele3': (1 / 3, 1 / 3, 1 / 3, 1 / 3),    # a 3x telephoto
    'portrait': (0.34, 0.0, 0.32, 1.0),       # a 9:16 portrait picture (the clip's full height)
}


def view(share):
    """The function cutting a VIEWS entry out of a frame, its size rounded down to even pixels."""
    def cut(a):
        h, w = a.shape[:2]
        x, y = int(share[0] * w), int(share[1] * h)
        return a[y:y + int(share[3] * h) // 2 * 2, x:x + int(share[2] * w) // 2 * 2]
    return cut


def write_video(video, target, fn, hold=None):
    """Writes fn of each frame of video to target (H.264 where this PyAV has libopenh264, else MPEG-4 Part 2) at the
    size fn gives; frames hold[0]+1 .. hold[1]-1 repeat frame hold[0] (a stuck camera)."""
    with av.open(video) as inp, av.open(target, 'w') as dst:
        src = inp.streams.video[0]
        stream = dst.add_stream('libopenh264' if 'libopenh264' in av.codecs_available else 'mpeg4',
                                rate=src.average_rate or 25)
        stream.pix_fmt = 'yuv420p'
        stream.bit_rate = 8_000_000
        held = None
        for i, frame in enumerate(inp.decode(video=0)):
            a = np.clip(fn(frame.to_ndarray(format='rgb24').astype(np.float32)), 0, 255).astype(np.uint8)
            if i == 0:
                stream.height, stream.width = a.shape[:2]
            if hold is not None and hold[0] <= i < hold[1]:
                held = a if held is None else held
                a = held
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format='rgb24')):
                dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)


def parked(video, target, seconds=3, sigma=2.0):
    """Not a degradation: a parked car's recording, the clip's first frame with fresh sensor noise every frame,
    encoded as a dash camera does (x264, CRF 23): its frames decode identical, and must not read as a stuck camera."""
    with av.open(video) as inp:
        first = next(inp.decode(video=0)).to_ndarray(format='rgb24').astype(np.float32)
    rng = np.random.default_rng(2)
    codec = 'libx264' if 'libx264' in av.codecs_available else 'mpeg4'
    with av.open(target, 'w') as dst:
        stream = dst.add_stream(codec, rate=25, options={'crf': '23'} if codec == 'libx264' else {})
        stream.width, stream.height, stream.pix_fmt = first.shape[1], first.shape[0], 'yuv420p'
        for _ in range(25 * seconds):
            a = np.clip(first + rng.normal(0, sigma, first.shape), 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(a, format='rgb24')):
                dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)


def main(video, camvid, sequence, out, *only):
    os.makedirs(out, exist_ok=True)
    names = sorted(n for n in os.listdir(os.path.join(camvid, 'train')) if n.startswith(sequence))
    if not names:
        sys.exit(f'{camvid}/train: no frames of sequence {sequence}')
    if not only or 'views' in only:
        for name, share in VIEWS.items():
            write_video(video, os.path.join(out, 'view-' + name + '.mp4'), view(share))
            print('view-' + name, flush=True)
    for name in degradations(np.random.default_rng(0)):
        if only and name not in only:
            continue
        rng = np.random.default_rng(1)
        fn = degradations(rng)[name]
        write_video(video, os.path.join(out, name + '.mp4'), fn, FROZEN if name == 'frozen' else None)
        if name == 'frozen':
            # the shipped drive stuck the same way, with its record of the vehicle moving all along (ego.csv): a
            # video alone cannot tell a stuck camera from a parked car (CameraHealth), a drive that moves can
            drive = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'recordings', 'town-drive')
            stuck = os.path.join(out, 'recording-frozen')
            os.makedirs(stuck, exist_ok=True)
            for entry in os.listdir(drive):
                link = os.path.join(stuck, entry)
                if entry != 'video.mp4' and not os.path.lexists(link):
                    os.symlink(os.path.abspath(os.path.join(drive, entry)), link)
            write_video(os.path.join(drive, 'video.mp4'), os.path.join(stuck, 'video.mp4'), fn, FROZEN)
            parked(video, os.path.join(out, 'parked.mp4'))
            print(name, flush=True)
            continue
        folder = os.path.join(out, 'camvid-' + name)
        turned = name in ('upside-down', 'sideways')   # its labels would have to turn too: not linked, not scored
        os.makedirs(os.path.join(folder, 'train'), exist_ok=True)
        os.makedirs(os.path.join(folder, 'trainannot'), exist_ok=True)
        for n in names:
            a = np.asarray(Image.open(os.path.join(camvid, 'train', n)).convert('RGB')).astype(np.float32)
            Image.fromarray(np.clip(fn(a), 0, 255).astype(np.uint8)).save(os.path.join(folder, 'train', n))
            label = os.path.join(folder, 'trainannot', n)
            if not turned and not os.path.lexists(label):
                os.symlink(os.path.abspath(os.path.join(camvid, 'trainannot', n)), label)
        print(name, flush=True)


if __name__ == '__main__':
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
