#!/usr/bin/env bash
# Camera health on real frames (which should raise nothing) and on degraded copies of real frames (which should),
# side by side with the network's confidence: the measurement behind CameraHealth's thresholds (README, "Camera
# health"). Needs ../shared/data (or DATA=...) and, for the degraded sets, scripts/degraded-inputs.py's output:
#
#   python3 scripts/degraded-inputs.py ../shared/data/drives/solidWhiteRight.mp4 ../shared/data/camvid 0006R0 out/degraded
#   scripts/camera-health.sh out/camera-health [out/degraded]
#
# Prints one row per set: frames, the share of frames with each issue, the share with any, the share the network's
# confidence calls low (mean under 0.70), and the range (1st percentile / median / 99th) of each figure.
set -euo pipefail
out=${1:?usage: scripts/camera-health.sh OUT [DEGRADED]}
degraded=${2:-}
data=${DATA:-../shared/data}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
sets=()
add() { [ -e "$2" ] && sets+=("$1=$2") || echo "skipped $1: $2 is missing" >&2; }
add clean:camvid-train "$data/camvid/train"
add clean:camvid-val "$data/camvid/val"
add clean:clip "$data/drives/solidWhiteRight.mp4"
add clean:stills "$data/drives/stills"
for scene in "$data"/depth/*/; do
  [ -d "$scene/image" ] && add "clean:depth-$(basename "$scene")" "$scene/image"
done
# the same scenes' 2-3 frames looped to 36 (in turn, so that no two in a row are the same picture): a window for
# the checks that look back over a second (the smear's, the way up)
for scene in "$data"/depth/*/; do
  [ -d "$scene/image" ] || continue
  frames=("$scene"/image/*)
  [ "${#frames[@]}" -ge 2 ] || continue
  loop="$out/loops/$(basename "$scene")"
  rm -rf "$loop" && mkdir -p "$loop"
  i=0
  for _ in $(seq 12); do
    for f in "${frames[@]}"; do ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$loop/$(printf %03d $i).${f##*.}"; i=$((i + 1)); done
  done
  add "clean:loop-$(basename "$scene")" "$loop"
done
add clean:town "$here/recordings/town-drive/video.mp4"
# a vehicle standing still, rendered (identical pictures, its motion recorded as none): not a stuck camera
[ -d "$out/parked-sim" ] || "$here/roadseg" sim --seed 7 --frames 75 --fps 25 --speed 0 --out "$out/parked-sim" \
  > /dev/null 2>&1
add clean:parked-sim "$out/parked-sim"
if [ -n "$degraded" ]; then
  add clean:parked-x264 "$degraded/parked.mp4"   # a parked car's noisy picture, x264 CRF 23: decodes identical
  for f in "$degraded"/view-*.mp4; do   # the clip's real pixels as narrower cameras see them: nothing wrong
    add "clean:$(basename "$f" .mp4)" "$f"
  done
  for f in "$degraded"/*.mp4; do
    case "$(basename "$f")" in parked.mp4|view-*) ;; *) add "degraded:$(basename "$f" .mp4)" "$f" ;; esac
  done
  add degraded:recording-frozen "$degraded/recording-frozen"   # the shipped drive stuck, its motion recorded
  for d in "$degraded"/camvid-*/train; do add "degraded:$(basename "$(dirname "$d")")" "$d"; done
fi
for s in "${sets[@]}"; do
  name=${s%%=*}; src=${s#*=}
  "$here/roadseg" run "$src" --results "$out/${name//:/-}.jsonl" --no-hud -q > "$out/${name//:/-}.log" 2>&1 \
    || { echo "failed: $name (see $out/${name//:/-}.log)" >&2; exit 1; }
done
python3 - "$out" "${sets[@]}" <<'PY'
import json, sys
out, sets = sys.argv[1], sys.argv[2:]
issues = ['dark', 'washed_out', 'noisy', 'blurred', 'blocked', 'frozen', 'upside_down', 'sideways', 'smeared']
# and how long the picture stayed unchanged at most (what a set without the vehicle's motion reports, not raises)
# and the smear check's figure (null until its window has enough frames: those frames left out)
figures = ["brightness", "dark_end", "bright_end", 'noise', 'sharpness', 'uniform_share', 'unchanged_s',
           'smear_edge']
def q(v, p):
    v = sorted(x for x in v if x is not None)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))] if v else float('nan')
print('%-30s %5s ' % ('set', 'frames') + ' '.join('%10s' % i for i in issues) + '  %6s %8s  ' % ('any', 'lowconf')
      + '  '.join('%-17s' % f for f in figures))
clean = []
for s in sets:
    name = s.split('=')[0]
    rows = [json.loads(l) for l in open(f"{out}/{name.replace(':', '-')}.jsonl")]
    cams = [r['camera'] for r in rows]
    n = len(rows)
    share = lambda k: sum(k in c['issues'] for c in cams) / n
    low = sum(r['confidence'] is not None and r['confidence']['mean'] < 0.70 for r in rows) / n
    line = '%-30s %5d ' % (name, n) + ' '.join('%9.1f%%' % (100 * share(i)) for i in issues)
    line += '  %5.1f%% %7.1f%%  ' % (100 * sum(bool(c['issues']) for c in cams) / n, 100 * low)
    line += '  '.join('%5.2f/%5.2f/%5.2f' % (q([c[f] for c in cams], .01), q([c[f] for c in cams], .5),
                                            q([c[f] for c in cams], .99)) for f in figures)
    print(line)
    if name.startswith('clean:'):
        clean += cams
# the margins: where the real frames reach against each threshold (CameraHealth)
print('real frames (%d), lowest and highest of each figure:' % len(clean))
for f in figures:
    v = [c[f] for c in clean if c[f] is not None]
    print('  %-14s %8.2f .. %8.2f' % (f, min(v), max(v)))
PY
