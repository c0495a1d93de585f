#!/usr/bin/env bash
# A calibrated lens's distortion and roll, undone before the network (run --calib) or left in the picture
# (--no-rectify), against the exact truth of synthetic drives rendered through that lens: the measurement behind the
# README's "Lens distortion and roll" table. Four cameras of one geometry (640x360, fx 340, 1.4 m high, 2° down):
# a level pinhole, barrel distortion (k1 -0.30, k2 0.08), a 4° roll, both, a rational lens (OpenCV's eight
# coefficients: k1 -0.2, k2 0.05, k3 0.001 over k4 0.1, k5 0.02, k6 0.001), and a fisheye (the equidistant model, k1
# 0.03, k2 -0.01: 124° across the diagonal) stated as ROS's camera_calibration writes it (ost.yaml, the mount keys
# beside); seeds 1001 and 1003, 150 frames each.
# Prints per camera and mode: mean IoU, depth AbsRel and δ<1.25 (fused with the ground plane), the lead's distance
# AbsRel, over both seeds (pixel- and frame-weighted; mIoU their mean), from run's own statistics. A rectified run is
# scored against the truth brought to the rectified camera the same way (nearest neighbour; what lies beyond the
# source's edges not scored).
# Usage: scripts/lens-bench.sh OUT_DIR     About 7 minutes on a 2-core host. Needs python3.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:?usage: scripts/lens-bench.sh OUT_DIR}"
mkdir -p "$out"
base='width: 640
height: 360
fx: 340
fy: 340
cx: 320
cy: 180
mount_height_m: 1.4
pitch_deg: 2.0'
printf '%s\nname: pinhole\n' "$base" > "$out/pinhole.yaml"
printf '%s\nname: barrel\nk1: -0.30\nk2: 0.08\n' "$base" > "$out/barrel.yaml"
printf '%s\nname: rolled\nroll_deg: 4\n' "$base" > "$out/rolled.yaml"
printf '%s\nname: barrel-rolled\nk1: -0.30\nk2: 0.08\nroll_deg: 4\n' "$base" > "$out/barrel-rolled.yaml"
printf '%s\nname: rational\ndistortion_model: rational_polynomial\nk1: -0.2\nk2: 0.05\nk3: 0.001\nk4: 0.1\nk5: 0.02\nk6: 0.001\n' \
  "$base" > "$out/rational.yaml"
# the simulator renders through the flat file; the runs read the ROS file of the same camera (K's pixel centres at
# integers there: the principal point 0.5 less)
printf '%s\nname: fisheye\ndistortion_model: equidistant\nk1: 0.03\nk2: -0.01\n' "$base" > "$out/fisheye-sim.yaml"
cat > "$out/fisheye.yaml" <<'ROS'
image_width: 640
image_height: 360
camera_name: fisheye
camera_matrix:
  rows: 3
  cols: 3
  data: [340., 0., 319.5, 0., 340., 179.5, 0., 0., 1.]
distortion_model: equidistant
distortion_coefficients:
  rows: 1
  cols: 4
  data: [0.03, -0.01, 0., 0.]
mount_height_m: 1.4
pitch_deg: 2.0
ROS
for camera in pinhole barrel rolled barrel-rolled rational fisheye; do
  for seed in 1001 1003; do
    for mode in rectified as-given; do
      [[ $camera == pinhole && $mode == as-given ]] && continue   # nothing to undo: the same run
      extra=()
      [[ $mode == as-given ]] && extra=(--no-rectify)
      sim="$out/$camera.yaml"
      [[ $camera == fisheye ]] && sim="$out/fisheye-sim.yaml"
      if ! ./roadseg run "sim://town?seed=$seed&frames=150&calib=$sim" --calib "$out/$camera.yaml" \
          "${extra[@]}" --quiet --stats "$out/$camera-$seed-$mode.json" > "$out/$camera-$seed-$mode.log" 2>&1; then
        tail -3 "$out/$camera-$seed-$mode.log" >&2
        exit 1
      fi
    done
  done
done
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
print('%-14s %-10s %8s %14s %10s %16s' % ('camera', 'picture', 'mIoU %', 'depth AbsRel', 'δ<1.25 %', 'lead dist AbsRel'))
for camera in ['pinhole', 'barrel', 'rolled', 'barrel-rolled', 'rational', 'fisheye']:
    for mode in ['rectified', 'as-given']:
        runs = [f'{out}/{camera}-{s}-{mode}.json' for s in (1001, 1003)]
        if not all(os.path.exists(r) for r in runs):
            continue
        acc = [json.load(open(r))['accuracy'] for r in runs]
        miou = sum(a['mean_iou'] for a in acc) / len(acc)
        px = [a['depth']['pixels'] for a in acc]
        absrel = sum(a['depth']['abs_rel'] * p for a, p in zip(acc, px)) / sum(px)
        d1 = sum(a['depth']['delta_1_25'] * p for a, p in zip(acc, px)) / sum(px)
        lf = [a['lead']['frames'] for a in acc]
        lead = sum(a['lead']['abs_rel'] * f for a, f in zip(acc, lf)) / sum(lf)
        print('%-14s %-10s %8.2f %14.4f %10.2f %16.4f' % (camera, mode if camera != 'pinhole' else '-', 100 * miou,
                                                          absrel, 100 * d1, lead))
PY
