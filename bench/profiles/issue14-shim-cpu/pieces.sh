#!/bin/bash
# Instructions per step of bench/py/shim_pieces.py (offline, no I/O): (1000 runs - 0 runs) / 1000.
# Usage: bash pieces.sh REPO piece...   (pieces: all match prepare encode_request decode_decision decide
# response_message encode_report)
set -u
REPO="$(cd "$1" && pwd)"
shift
WORK="$(mktemp -d)"
tot() { callgrind_annotate "$1" 2>/dev/null | grep -m1 "PROGRAM TOTALS" | awk '{gsub(",","",$1); print $1}'; }
for piece in "$@"; do
  for n in 0 1000; do
    PIECE=$piece BENCH_CALLS=$n PYTHONPATH="$REPO/python" valgrind --tool=callgrind --callgrind-out-file="$WORK/pc.$n" \
      /usr/bin/python3 "$REPO/bench/py/shim_pieces.py" 2>/dev/null
  done
  echo "$piece: $((($(tot "$WORK/pc.1000") - $(tot "$WORK/pc.0")) / 1000))"
done
rm -rf "$WORK"
