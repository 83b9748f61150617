#!/usr/bin/env bash
# Paired A/B of bench/http-overhead.mjs (issue 14's stream row): the baseline tree and this one, run
# alternately ROUNDS times on the same machine; prints the streamed rows' "added" p50 per run.
#   bash bench/profiles/issue14-streams/ab.sh /path/to/baseline-tree [rounds]   (BENCH_SCALE as usual)
set -euo pipefail
BASE="$1"
ROUNDS="${2:-4}"
HERE="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$(mktemp -d)"
for r in $(seq 1 "$ROUNDS"); do
  for side in base this; do
    tree="$HERE"
    [ "$side" = base ] && tree="$BASE"
    (cd "$tree" && node bench/http-overhead.mjs --emit "$out/$side-$r.json" >/dev/null 2>&1)
    node -e '
      const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).rows;
      const pick = (f) => rows.find((x) => x.figure.startsWith(f));
      const fmt = (f) => { const x = pick(f); return `${(x.value - x.baselineValue).toFixed(2)} (${x.value.toFixed(2)} vs ${x.baselineValue.toFixed(2)})`; };
      console.log(`${process.argv[2].padEnd(5)} run ${process.argv[3]}: added p50 ms: non-streamed ${fmt("non-streamed call p50")}, first chunk ${fmt("streamed: first chunk p50")}, last chunk ${fmt("streamed: last chunk p50")}`);
    ' "$out/$side-$r.json" "$side" "$r"
  done
done
