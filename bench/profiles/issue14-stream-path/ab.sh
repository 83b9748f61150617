#!/usr/bin/env bash
# paired A/B of bench/http-overhead.mjs: base and this tree alternately; prints streamed rows' added p50/p99
set -u
BASE="$1"; THIS="$2"; ROUNDS="${3:-3}"; OUT="$4"
mkdir -p "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  order="base this"; [ $((r % 2)) -eq 0 ] && order="this base"
  for side in $order; do
    tree="$THIS"; [ "$side" = base ] && tree="$BASE"
    (cd "$tree" && BENCH_SCALE=${BENCH_SCALE:-0.3} node bench/http-overhead.mjs --emit "$OUT/$side-$r.json" >/dev/null 2>&1)
    node -e '
      const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).rows;
      const pick = (f) => rows.find((x) => x.figure.startsWith(f));
      const fmt = (f) => { const x = pick(f); return `${(x.value - x.baselineValue).toFixed(2)} (${x.value.toFixed(2)}/${x.baselineValue.toFixed(2)})`; };
      console.log(`${process.argv[2].padEnd(4)} r${process.argv[3]} load ${require("os").loadavg()[0].toFixed(1)}: first p50 ${fmt("streamed: first chunk p50")} p99 ${fmt("streamed: first chunk p99")} | last p50 ${fmt("streamed: last chunk p50")} p99 ${fmt("streamed: last chunk p99")} | plain p50 ${fmt("non-streamed call p50")}`);
    ' "$OUT/$side-$r.json" "$side" "$r"
  done
done
