#!/usr/bin/env bash
# The lead in the vehicle's path against the truth, over the 18 runs the README's lead figures sum: synthetic drives
# 999 and 1001-1007 (250 frames each) and recordings/town-drive, each with the network's own depth and with --calib
# (the ground-plane fusion). Prints each run's scores and their sums: warnings given of the truth's, false warnings,
# lead frames missed / phantom, closing-speed MAE summed over the runs, the path's error 30 m ahead and the lead's
# lateral position's error.
# Usage: scripts/lead-bench.sh OUT_DIR [run's options…]   e.g. scripts/lead-bench.sh out/lead-straight --path straight
# Needs python3 for the sums. About 5 minutes on a 2-core host.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:?usage: scripts/lead-bench.sh OUT_DIR [run options…]}"
shift
mkdir -p "$out"
for source in "sim://town?seed=999&frames=250" "sim://town?seed=1001&frames=250" "sim://town?seed=1002&frames=250" \
    "sim://town?seed=1003&frames=250" "sim://town?seed=1004&frames=250" "sim://town?seed=1005&frames=250" \
    "sim://town?seed=1006&frames=250" "sim://town?seed=1007&frames=250" recordings/town-drive; do
  name=$(echo "$source" | sed -e 's/.*seed=\([0-9]*\).*/s\1/' -e 's#recordings/##')
  calib=calibration/camvid-480x360.yaml
  [[ "$source" == recordings/* ]] && calib="$source/calibration.yaml"
  for depth in net calib; do
    extra=()
    [[ $depth == calib ]] && extra=(--calib "$calib")
    if ! ./roadseg run "$source" --quiet "${extra[@]}" --stats "$out/$name-$depth.json" "$@" > "$out/$name-$depth.log" 2>&1
    then
      tail -3 "$out/$name-$depth.log" >&2
      exit 1
    fi
  done
done
python3 - "$out" <<'PY'
import json, pathlib, sys
tot = dict(true=0, warned=0, false=0, missed=0, phantom=0, mae=0.0, path=0.0, n=0, lat=0.0, latn=0)
print(f"{'run':22} {'given/true':>10} {'false':>5} {'missed':>6} {'phantom':>7} {'closing MAE':>11} {'path err':>8}"
      f" {'lateral MAE':>11}")
for f in sorted(pathlib.Path(sys.argv[1]).glob("*-*.json")):
    lead = json.load(open(f))["accuracy"]["lead"]
    mae = lead.get("closing_mae_mps") or 0.0
    print(f"{f.stem:22} {lead['warned']:>4}/{lead['true_warnings']:<5} {lead['false_warnings']:>5} {lead['missed']:>6}"
          f" {lead['phantom']:>7} {mae:>11.2f} {lead['path_mae_m']:>8.2f} {lead.get('lateral_mae_m') or 0:>11.2f}")
    tot["lat"] += (lead.get("lateral_mae_m") or 0) * lead.get("lateral_frames", 0)
    tot["latn"] += lead.get("lateral_frames", 0)
    for k, v in (("true", lead["true_warnings"]), ("warned", lead["warned"]), ("false", lead["false_warnings"]),
                 ("missed", lead["missed"]), ("phantom", lead["phantom"]), ("mae", mae), ("path", lead["path_mae_m"])):
        tot[k] += v
    tot["n"] += 1
print(f"{'all ' + str(tot['n']) + ' runs':22} {tot['warned']:>4}/{tot['true']:<5} {tot['false']:>5} {tot['missed']:>6}"
      f" {tot['phantom']:>7} {tot['mae']:>11.2f} {tot['path'] / max(tot['n'], 1):>8.2f}"
      f" {tot['lat'] / max(tot['latn'], 1):>11.2f} (means; lateral over {tot['latn']} frames)")
PY
