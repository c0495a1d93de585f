#!/usr/bin/env bash
# Before and after the calls to a lent GPU machine (docs/gpu-training.md). The device tool sends the repository's
# working tree (tracked files, and untracked files git does not ignore) plus the carried folders, 64 MiB in all; the
# committed checkpoints alone are more than that. So for the calls the index holds only what the machine needs:
#
#   scripts/gpu-index.sh enter [FILE…]   the index down to FILE… (default: scripts/gpu_train.py scripts/gpu-train.sh)
#                                         and .gitignore, everything else ignored ('/*' in .git/info/exclude); the
#                                         working tree is not touched
#   scripts/gpu-index.sh leave            the index back to HEAD's, .git/info/exclude back as it was
#   scripts/gpu-index.sh status           entered or not
#
# .gitignore stays in the index because a warm machine keeps a folder an earlier call carried only where the
# .gitignore *there* ignores it (a second call can then use it without carrying it again); `enter` warns about the
# usual carried folders (.gpu, .gpx, target) that .gitignore does not ignore. `enter` refuses staged changes: `leave`
# resets the index to HEAD, which would drop them.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
git rev-parse --git-dir > /dev/null 2>&1 || { echo "gpu-index: $(pwd) is not a git repository" >&2; exit 1; }
gitdir="$(git rev-parse --git-dir)"
state="$gitdir/roadseg-gpu-index"
exclude="$gitdir/info/exclude"
case "${1:-}" in
  enter)
    shift
    if [ -d "$state" ]; then
      echo "gpu-index: already entered (scripts/gpu-index.sh leave first)" >&2; exit 1
    fi
    if ! git diff --cached --quiet; then
      echo "gpu-index: staged changes in the index; commit or unstage them first (leave resets the index to HEAD)" >&2
      exit 1
    fi
    files=("$@")
    [ ${#files[@]} -gt 0 ] || files=(scripts/gpu_train.py scripts/gpu-train.sh)
    for f in "${files[@]}"; do
      [ -f "$f" ] || { echo "gpu-index: no file $f" >&2; exit 1; }
    done
    for d in .gpu .gpx target; do   # ignored by .gitignore itself, not only by this clone's own exclude file
      if [ "$(git check-ignore -v "$d/x" 2>/dev/null | cut -d: -f1)" != .gitignore ]; then
        echo "gpu-index: warning: .gitignore does not ignore $d/: a warm machine will not keep it between calls" >&2
      fi
    done
    mkdir -p "$state" "$gitdir/info"
    if [ -f "$exclude" ]; then cp "$exclude" "$state/exclude"; fi
    git rm -r -q --cached . || { rm -rf "$state"; exit 1; }
    git add -f .gitignore "${files[@]}"
    printf '/*\n' > "$exclude"
    echo "gpu-index: the index holds $(git ls-files | tr '\n' ' ')— carry the rest; 'scripts/gpu-index.sh leave' afterwards"
    ;;
  leave)
    if [ ! -d "$state" ]; then
      echo "gpu-index: not entered" >&2; exit 1
    fi
    if [ -f "$state/exclude" ]; then cp "$state/exclude" "$exclude"; else rm -f "$exclude"; fi
    git reset -q
    rm -rf "$state"
    echo "gpu-index: the index is HEAD's again"
    ;;
  status)
    if [ -d "$state" ]; then echo "entered: $(git ls-files | tr '\n' ' ')"; else echo "not entered"; fi
    ;;
  *)
    echo "usage: scripts/gpu-index.sh enter [FILE…] | leave | status" >&2
    exit 64
    ;;
esac
