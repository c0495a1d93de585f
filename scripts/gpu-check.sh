#!/usr/bin/env bash
# GPU check of the TensorRT backend (see docs/tensorrt.md): on a machine with an NVIDIA GPU, its driver, CUDA 13 and
# TensorRT 10.15 (or with REDIST=1, which builds with -Ptensorrt-redist so that only the driver is needed):
#   1. builds the jar and the FP32 and FP16 plans of the shipped model with `roadseg build-engine` (cached in engines/),
#   2. runs GpuCheck: FP32, FP16, FP16 with the arg-max on the host, and INT8 (calibrated on frames of the source)
#      against the CPU backend on the same frames — share of pixels of the same class, depth difference, live mIoU —
#      and the latency table (inference alone and end to end, p50/p99, batch 1 and 4), with verdicts on the targets,
#   3. runs the pipeline once with --engine tensorrt, the way a user does.
# Arguments go to GpuCheck: --model FILE --source PATH --frames N --iterations N --calibration DIR|LIST
# --cache-dir DIR --out FILE.md (default target/gpu-check/report.md).
#
# --cuda-only: the CUDA side of the backend alone (io.roadseg.engine.trt.CudaCheck: TensorRT probe, pinned memory,
# device buffers, stream, events, timed async copies both ways, round trip, memory returned), for a bare GPU machine
# without TensorRT. Run from the slim bundle of scripts/gpu-bundle.sh (target/gpu-bundle/gpu-check.sh --cuda-only),
# which needs no build, no JDK and no network. Options after --cuda-only go to CudaCheck: --size WxH --rounds N.
# Environment: SKIP_BUILD=1 uses target/roadseg.jar as it is; JAVA=/path/to/java picks the Java runtime.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: nvidia-smi not found: no NVIDIA driver on this machine, nothing to measure" >&2
  exit 2
fi
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader >&2 || true

if [ "${1:-}" = "--cuda-only" ]; then
  shift
  if [ -d "$here/jre" ] && [ -d "$here/lib" ]; then   # the slim bundle
    java="${JAVA:-$here/jre/bin/java}"
    cp="$here/lib/*"
    # the machine's own CUDA runtime first; the bundle's copy of libcudart.so.13 only when there is none
    export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/cuda/lib64:$here/native"
  else
    cd "$here/.."
    [ "${SKIP_BUILD:-0}" = 1 ] || mvn -q -DskipTests -pl core -am package >&2
    java="${JAVA:-java}"
    cp="target/roadseg.jar"
  fi
  echo "gpu-check: CUDA-only mode ($("$java" -version 2>&1 | head -1))" >&2
  exec "$java" -XX:+UseSerialGC -Xmx512m -cp "$cp" io.roadseg.engine.trt.CudaCheck "$@"
fi

cd "$here/.."
java="${JAVA:-java}"

profile=()
if [ "${REDIST:-0}" = 1 ]; then
  profile=(-Ptensorrt-redist)
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "gpu-check: building (mvn -q -DskipTests -pl core -am ${profile[*]:-} package)…" >&2
  mvn -q -DskipTests -pl core -am "${profile[@]}" package >&2
fi

java_opts=(-XX:+UseSerialGC -Xmx4g)
roadseg() { "$java" "${java_opts[@]}" -jar target/roadseg.jar "$@"; }

model=engines/roadseg.onnx
if [ ! -f "$model" ]; then
  roadseg export-model --out "$model"
fi

for precision in fp32 fp16; do
  echo "gpu-check: roadseg build-engine --precision $precision" >&2
  roadseg build-engine --model "$model" --precision "$precision" --max-batch 4 --workspace-mb 1024
done

mkdir -p target/gpu-check
has_out=0
for a in "$@"; do [ "$a" = "--out" ] && has_out=1; done
extra=()
[ "$has_out" = 1 ] || extra=(--out target/gpu-check/report.md)
"$java" "${java_opts[@]}" -cp target/roadseg.jar io.roadseg.engine.trt.GpuCheck --model "$model" "${extra[@]}" "$@"

echo "gpu-check: roadseg run recordings/town-drive --engine tensorrt (FP16 plan from the cache)" >&2
ROADSEG_TRT_PRECISION=fp16 roadseg run recordings/town-drive --engine tensorrt --frames 200 --quiet \
  --stats target/gpu-check/run-stats.json
echo "gpu-check: done; report in target/gpu-check/report.md, pipeline statistics in target/gpu-check/run-stats.json" >&2
