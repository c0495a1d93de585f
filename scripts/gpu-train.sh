#!/usr/bin/env bash
# On a lent GPU machine (docs/gpu-training.md): trains the recipe with the machine's own PyTorch
# (scripts/gpu_train.py), several runs side by side, each for SECONDS from its start, and writes under $OUT (or
# out/gpu) NAME.ckpt (roadseg's checkpoint format) and NAME.log per run, and machine.txt (GPU, driver, PyTorch, GPU
# use every 30 s). Back here: roadseg export-model --from NAME.ckpt --logit-adjust 0.5 -o MODEL.onnx.
#
# RUNS lists the runs as NAME:VARIANT:HELD_OUT[:INIT[:SEED[:EXTRA]]], VARIANT empty for the bundle's own network (else
# a folder under BUNDLE/variants/, from train-bundle --variant), HELD_OUT a CamVid sequence or 'none', INIT a
# checkpoint to start from (a restart: gpu_train.py --init, as roadseg train --from), SEED the run's seed, EXTRA a
# second bundle whose synthetic samples join the run's pool (gpu_train.py --extra-sim). Default:
#   RUNS="heldout::0006R0 all::none"   (the figure that chooses and reports, and the model that would ship)
# SECONDS 0: each run takes --steps as given (a restart's fixed schedule) instead of a length set from its speed.
# All runs go side by side on the one GPU. At most 6 runs: the machine returns at most 8 files (the logs come back
# in one logs.tar when there are more than 3 runs).
# Usage: [RUNS=…] [MPS=1] scripts/gpu-train.sh BUNDLE [SECONDS [gpu_train.py options…]]   (BUNDLE from roadseg train-bundle)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bundle="${1:?usage: scripts/gpu-train.sh BUNDLE [SECONDS [options…]]}"
seconds="${2:-480}"
shift $(( $# >= 2 ? 2 : 1 ))
out="${OUT:-out/gpu}"
runs=(${RUNS:-heldout::0006R0 all::none})
if [ ${#runs[@]} -gt 6 ]; then
  echo "gpu-train: ${#runs[@]} runs in RUNS; at most 6 (8 files come back)" >&2
  exit 64
fi
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python="${PYTHON:-python3}"
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
  "$python" -c "import torch, numpy, PIL; print('python', __import__('sys').version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, 'numpy', numpy.__version__, 'pillow', PIL.__version__)"
  nproc
  echo "runs: ${runs[*]}; seconds $seconds; options: $*"
} > "$out/machine.txt" 2>&1
# MPS=1: the runs share the GPU through NVIDIA's Multi-Process Service (their kernels run side by side instead of
# taking turns; these small batches leave most of the GPU idle in each kernel). Checked with one CUDA allocation
# before any run starts; where the daemon is missing or the check fails, the runs time-share the GPU as without it.
mps=off
if [ "${MPS:-0}" = 1 ]; then
  if command -v nvidia-cuda-mps-control > /dev/null; then
    export CUDA_MPS_PIPE_DIRECTORY=/tmp/roadseg-mps/pipe CUDA_MPS_LOG_DIRECTORY=/tmp/roadseg-mps/log
    mkdir -p "$CUDA_MPS_PIPE_DIRECTORY" "$CUDA_MPS_LOG_DIRECTORY"
    if nvidia-cuda-mps-control -d && timeout 60 "$python" -c "import torch; torch.zeros(1, device='cuda')"; then
      mps=on
    else
      echo quit | nvidia-cuda-mps-control 2> /dev/null
      unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
      mps="off (the daemon or the check failed: $(tail -2 /tmp/roadseg-mps/log/control.log 2> /dev/null | tr '\n' ' '))"
    fi
  else
    mps="off (nvidia-cuda-mps-control not found)"
  fi
fi
echo "mps: $mps" >> "$out/machine.txt"
( while true; do sleep 30; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader \
    >> "$out/machine.txt" 2>&1; done ) &
monitor=$!
stop_side() {   # the GPU-use monitor, and the MPS daemon where this script started it
  kill $monitor 2> /dev/null
  if [ "$mps" = on ]; then echo quit | nvidia-cuda-mps-control; fi
}
pids=()
for run in "${runs[@]}"; do   # every start checkpoint checked before any run starts
  IFS=: read -r name variant held init seed extra <<< "$run"
  if [ -n "$init" ] && [ ! -f "$init" ]; then
    echo "gpu-train: run $name: no checkpoint $init to start from" >&2
    stop_side
    exit 66
  fi
  if [ -n "$extra" ] && [ ! -f "$extra/bundle.json" ]; then
    echo "gpu-train: run $name: no bundle $extra for its extra synthetic samples" >&2
    stop_side
    exit 66
  fi
done
for run in "${runs[@]}"; do
  IFS=: read -r name variant held init seed extra <<< "$run"
  "$python" scripts/gpu_train.py --bundle "$bundle" --seconds "$seconds" --held-out "${held:-0006R0}" \
    ${variant:+--variant "$variant"} --out "$out/$name.ckpt" "$@" ${init:+--init "$init"} ${seed:+--seed "$seed"} \
    ${extra:+--extra-sim "$extra"} > "$out/$name.log" 2>&1 &
  pids+=($!)
done
codes=()
for pid in "${pids[@]}"; do
  wait "$pid"; codes+=($?)
done
stop_side
cat "$out/machine.txt"
ok=0
for i in "${!runs[@]}"; do
  name="${runs[$i]%%:*}"
  echo "== $name (exit ${codes[$i]})"
  grep -E "speed|held-out|checkpoint .*final|done in|Error|error|Traceback" "$out/$name.log" | tail -12
  tail -3 "$out/$name.log"
  [ "${codes[$i]}" = 0 ] || ok=1
done
if [ ${#runs[@]} -gt 3 ]; then
  (cd "$out" && tar -cf logs.tar *.log && rm -f *.log)
fi
exit $ok
