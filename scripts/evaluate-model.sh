#!/usr/bin/env bash
# Every figure of the model card (engines/roadseg.md) in one run, from the shared data beside the project:
#   held-out CamVid sequence, CamVid val, a synthetic drive never trained on, real LiDAR/stereo depth.
# Usage: scripts/evaluate-model.sh [MODEL] [OUT_DIR] [BASELINE_DIR]   (defaults: engines/roadseg.onnx, out/model-eval)
#   BASELINE_DIR: the OUT_DIR of an earlier run of this script (e.g. the shipped model's); the figures are then
#   compared with 'roadseg compare --gate' (real depth scene by scene, with paired bootstrap intervals) into
#   OUT_DIR/compare.txt, and the script exits 3 when the candidate fails the depth parts of the model card's ship rule
#   INPUT_SIZE (environment): the --input-size of every evaluation (default auto; e.g. auto:640x480)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
model="${1:-engines/roadseg.onnx}"
out="${2:-out/model-eval}"
baseline="${3:-}"
if [[ -n "$baseline" && ! -f "$baseline/depth.json" ]]; then
  echo "evaluate-model.sh: $baseline has no depth.json; run this script for the baseline model first" >&2
  exit 2
fi
data="${ROADSEG_DATA:-../shared/data}"
held_out="${HELD_OUT:-0006R0}"
mkdir -p "$out"
size="${INPUT_SIZE:-auto}"
rs() { if [[ "$1" == eval ]]; then ./roadseg "$@" --input-size "$size"; else ./roadseg "$@"; fi; }
echo "== CamVid sequence $held_out: held out by the runs that chose the recipe (roadseg.held_out in the model's metadata says whether this one saw it)"
rs eval --camvid "$data/camvid" --split train --sequence "$held_out" --model "$model" --json "$out/held-out.json" \
  | tee "$out/held-out.txt"
echo "== CamVid val (sequence 0016E5, also in training)"
rs eval --camvid "$data/camvid" --split val --model "$model" --json "$out/val.json" | tee "$out/val.txt"
echo "== synthetic drive, seed 999 (never trained on)"
rs eval --drive "sim://town?seed=999&frames=60" --model "$model" --json "$out/sim-999.json" | tee "$out/sim-999.txt"
echo "== real depth: $data/depth"
rs eval --depth "$data/depth" --model "$model" --json "$out/depth.json" | tee "$out/depth.txt"
status=0
if [[ -n "$baseline" ]]; then
  echo "== against $baseline"
  rs compare --gate "$out" "$baseline" | tee "$out/compare.txt" || status=$?
fi
echo "results in $out"
exit "$status"   # 3: the candidate fails the depth parts of the ship rule (roadseg compare --gate)
