#!/usr/bin/env bash
# On a lent GPU machine (docs/gpu-training.md): trains the recipe twice side by side with the machine's own PyTorch
# (scripts/gpu_train.py) — once with CamVid sequence 0006R0 held out (the figure that chooses and reports), once on
# all of CamVid train + val (the model that ships) — each for SECONDS from its start, and writes under $OUT (or
# out/gpu): heldout.ckpt, all.ckpt (roadseg's checkpoint format), their logs, and machine.txt (GPU, driver, PyTorch,
# GPU use every 30 s). Back here: roadseg export-model --from all.ckpt --logit-adjust 0.5 -o MODEL.onnx.
# Usage: scripts/gpu-train.sh BUNDLE [SECONDS [gpu_train.py options…]]   (BUNDLE from roadseg train-bundle)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bundle="${1:?usage: scripts/gpu-train.sh BUNDLE [SECONDS [options…]]}"
seconds="${2:-480}"
shift $(( $# >= 2 ? 2 : 1 ))
out="${OUT:-out/gpu}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python="${PYTHON:-python3}"
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
  "$python" -c "import torch, numpy, PIL; print('python', __import__('sys').version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, 'numpy', numpy.__version__, 'pillow', PIL.__version__)"
  nproc
} > "$out/machine.txt" 2>&1
( while true; do sleep 30; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader \
    >> "$out/machine.txt" 2>&1; done ) &
monitor=$!
"$python" scripts/gpu_train.py --bundle "$bundle" --seconds "$seconds" --held-out 0006R0 --out "$out/heldout.ckpt" \
  --log "$out/heldout.log" "$@" > "$out/heldout.stdout" 2>&1 &
held=$!
"$python" scripts/gpu_train.py --bundle "$bundle" --seconds "$seconds" --held-out none --out "$out/all.ckpt" \
  --log "$out/all.log" "$@" > "$out/all.stdout" 2>&1 &
all=$!
wait $held; rc_held=$?
wait $all; rc_all=$?
kill $monitor 2>/dev/null
cat "$out/machine.txt"
for run in heldout all; do
  echo "== $run"
  grep -E "speed|held-out|checkpoint .*final|done in|Error|error|Traceback" "$out/$run.stdout" | tail -20
  tail -5 "$out/$run.stdout"
done
echo "exit codes: held-out run $rc_held, all-data run $rc_all"
[ $rc_held = 0 ] && [ $rc_all = 0 ]
