#!/usr/bin/env bash
# Redraw the visualizer's screenshots in docs/images with headless scripts: the pictures
# in README.md and docs/VISUALIZER.md come from here, byte for byte.
#
#   scripts/gui-screenshots.sh [BUILD_DIR]      (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
vmlab=$build/vmlab
[ -x "$vmlab" ] || { echo "gui-screenshots.sh: no $vmlab: build first (cmake --build $build)" >&2; exit 1; }
images=$root/docs/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

shot() {  # shot NAME SCRIPT-TEXT GUI-OPTIONS...
  local name=$1 text=$2
  shift 2
  printf '%s\n' "$text" >"$work/$name.txt"
  "$vmlab" gui --headless --script "$work/$name.txt" --screenshot "$images/$name.png" "$@" >/dev/null
  echo "docs/images/$name.png"
}

for mode in native tae-shadow; do
  shot "gui-kernel-$mode" "frame" --guest kernel --mode "$mode" --run --frames 10 --insns-per-frame 1000000
done
shot gui-page-walk-tae-shadow "frame" --guest kernel --mode tae-shadow --run --frames 2 \
  --insns-per-frame 1000000 --tab page-walk --walk-address c0100bfb
shot gui-page-walk-native "frame" --guest kernel --mode native --run --frames 2 \
  --insns-per-frame 1000000 --tab page-walk --walk-address c0100bfb
shot gui-disassembly-tae-shadow "frame" --guest kernel --mode tae-shadow --run --frames 2 \
  --insns-per-frame 1000000 --tab disassembly
to_fault=$'run 3000000\nrun-to hidden-page-fault 100000000'
shot gui-hidden-fault-tae-shadow "$to_fault"$'\ntab page-walk\nframe' --guest kernel --mode tae-shadow
shot gui-handling-tae-shadow "$to_fault"$'\ntab handling\nmonitor-step all\nframe' --guest kernel --mode tae-shadow
shot gui-exits-segments-tae-shadow "$to_fault"$'\nregisters segments\ntab exits\nselect-exit 173385\nframe' \
  --guest kernel --mode tae-shadow
shot gui-compare-modes $'compare\nframe 2' --guest nanobench --mode tae-shadow
