#!/usr/bin/env bash
# The fleet job's numbers on this machine (issue 12): 20 synthetic drives of 30 frames, evaluated in one process and
# on Spark local[1] and local[2], interleaved rounds. Usage: scripts/fleet-bench.sh [DRIVES] [FRAMES] [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n="${1:-20}"; frames="${2:-30}"; rounds="${3:-3}"
work="${FLEET_BENCH_DIR:-out/fleet-bench}"
mvn -q -DskipTests install -pl core -am >&2
mvn -q -DskipTests package -pl fleet >&2
cp="$(mvn -q -pl fleet dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=compile)"
cp="$cp:$(mvn -q -pl fleet dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=provided)"
mkdir -p "$work/drives"
for seed in $(seq 1 "$n"); do
  [ -d "$work/drives/drive-$seed" ] || ./roadseg sim --seed "$seed" --frames "$frames" --out "$work/drives/drive-$seed" >/dev/null
done
exec java -Xmx3g --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -cp "fleet/target/roadseg-fleet.jar:$cp" io.roadseg.fleet.spark.FleetBench "$work/drives" engines/roadseg.onnx "$rounds"
