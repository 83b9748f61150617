#!/bin/bash
# Instructions per governed call of the shim's hot loop (both threads of the agent):
# (300 calls - 100 calls) / 200 of bench/py/shim_call_cost.py under REPO's supervisor.
# Usage: bash count.sh REPO [workdir]
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$1" && pwd)"
WORK="${2:-$(mktemp -d)}"
tot() { callgrind_annotate "$1" 2>/dev/null | grep -m1 "PROGRAM TOTALS" | awk '{gsub(",","",$1); print $1}'; }
node "$HERE/cgrun.mjs" "$REPO" 100 "$WORK/cg.100" >/dev/null &
node "$HERE/cgrun.mjs" "$REPO" 300 "$WORK/cg.300" >/dev/null
wait
a=$(tot "$WORK/cg.100")
b=$(tot "$WORK/cg.300")
echo "$REPO: $(((b - a) / 200)) instructions per call (100 calls: $a, 300 calls: $b)"
