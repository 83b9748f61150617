// Calls per minute by outcome (each call once, as the ledger counts it), tokens in and out per minute, and cost per minute, over the
// last hour (refreshed at most every couple of seconds, not per event).
import { useMemo } from "preact/hooks";
import type { TimelineSeries } from "../model/timeline.js";
import { Chart } from "./Chart.js";

const C = { allowed: "#2e9d5b", modified: "#d49a12", redacted: "#b0568f", denied: "#d64545", input: "#3b7dd8", output: "#8e5bd6", cost: "#0f9a9a" };

export function Charts({ series }: { series: TimelineSeries }) {
  const calls = useMemo(
    () => [
      { label: "allowed", color: C.allowed, values: series.allowed },
      { label: "modified", color: C.modified, values: series.modified },
      { label: "redacted", color: C.redacted, values: series.redacted },
      { label: "denied", color: C.denied, values: series.denied },
    ],
    [series],
  );
  const tokens = useMemo(
    () => [
      { label: "in", color: C.input, values: series.inputTokens },
      { label: "out", color: C.output, values: series.outputTokens },
    ],
    [series],
  );
  // The hour's calls by outcome in words ("3 allowed, 0 modified, 1 redacted, 0 denied").
  const callsSummary = calls.map((s) => `${s.values.reduce((a, b) => a + b, 0)} ${s.label}`).join(", ");
  const cost = useMemo(() => [{ label: "USD", color: C.cost, values: series.costUsd }], [series]);
  return (
    <section class="card" aria-labelledby="charts-h">
      <h2 id="charts-h">Last hour, per minute</h2>
      <div class="charts">
        <Chart title="Calls" x={series.minutes} series={calls} summary={callsSummary} />
        <Chart title="Tokens" x={series.minutes} series={tokens} format={compact} />
        <Chart title="Cost" x={series.minutes} series={cost} format={usd} />
      </div>
    </section>
  );
}

function compact(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(Math.round(v * 100) / 100);
}

function usd(v: number): string {
  if (v === 0) return "$0";
  return v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(2)}`;
}
