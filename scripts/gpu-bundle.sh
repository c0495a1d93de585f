#!/usr/bin/env bash
# Slim runtime bundle for the GPU check on a bare GPU machine — one with the NVIDIA driver (and maybe CUDA) but no JDK,
# no Maven repository, no network, no TensorRT, and room for about 64 MiB of files (docs/tensorrt.md):
#   target/gpu-bundle/jre/        a jlink'ed Java runtime (java.base, jdk.unsupported, java.logging), stripped
#   target/gpu-bundle/lib/        roadseg.jar and only the jars the check needs: JavaCPP, the CUDA and TensorRT
#                                 wrappers for linux-x86_64 (no FFmpeg, OpenCV, ONNX Runtime, libtorch, OpenBLAS),
#                                 the CUDA wrapper cut down to its runtime part (libjnicudart)
#   target/gpu-bundle/native/     libcudart.so.13 from this machine's CUDA, used only when the GPU machine has none
#   target/gpu-bundle/gpu-check.sh  the same script as scripts/gpu-check.sh, run with SKIP_BUILD=1 from the bundle
# Prints the bundle's size. Usage: scripts/gpu-bundle.sh [OUT_DIR]; then, on the GPU machine:
#   target/gpu-bundle/gpu-check.sh --cuda-only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-target/gpu-bundle}"

if [ ! -f target/roadseg.jar ] || [ -n "$(find src/main pom.xml -newer target/roadseg.jar -print -quit)" ]; then
  echo "gpu-bundle: building (mvn -q -DskipTests -pl core -am package)…" >&2
  mvn -q -DskipTests -pl core -am package >&2
fi
rm -rf "$out"
mkdir -p "$out/lib" "$out/native"

jlink --add-modules java.base,jdk.unsupported,java.logging --strip-debug --no-header-files --no-man-pages \
  --compress=2 --output "$out/jre"

cp target/roadseg.jar "$out/lib/"
for pattern in 'javacpp-1.*.jar' 'tensorrt-1*-1.*.jar' 'cuda-1*-1.*.jar'; do
  for jar in target/lib/$pattern; do
    case "$jar" in *-redist.jar|*-android-*|*-windows-*|*-macosx-*|*-arm64*|*-ppc64le*) continue ;; esac
    cp "$jar" "$out/lib/"
  done
done
# The CUDA wrapper jar carries JNI libraries for every CUDA component (NPP, cuFFT, cuDNN, …): keep the runtime's.
cuda_natives=$(ls "$out"/lib/cuda-*-linux-x86_64.jar)
tmp=$(mktemp -d)
(cd "$tmp" && unzip -q "$OLDPWD/$cuda_natives" && find org -name 'libjni*.so' ! -name 'libjnicudart.so' -delete \
  && rm "$OLDPWD/$cuda_natives" && zip -q -r "$OLDPWD/$cuda_natives" .)
rm -rf "$tmp"

cudart=$(ldconfig -p 2>/dev/null | awk '/libcudart\.so\.13 /{print $NF; exit}')
if [ -n "$cudart" ]; then
  cp -L "$cudart" "$out/native/"
else
  echo "gpu-bundle: no libcudart.so.13 on this machine; the GPU machine must have CUDA 13's runtime" >&2
fi
cp scripts/gpu-check.sh "$out/gpu-check.sh"
du -sh "$out" | awk '{print "gpu-bundle: " $2 " is " $1}'
du -sk "$out" | awk '$1 > 60000 {print "gpu-bundle: WARNING: over 60 MiB, too large to carry to a lent GPU machine"}'
