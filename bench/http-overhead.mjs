// Benchmark 2: what the shim adds to a real httpx call to the local mock provider (its own process):
// the same calls with and without iron (the agent uninstalls and reinstalls the shim between
// rounds), non-streamed and streamed (first and last chunk), p50/p99.
import { Supervisor } from "../dist/index.js";
import { SCALE } from "./lib/env.mjs";
import { runAgentPython, startMockProcess } from "./lib/processes.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { summary } from "./lib/stats.mjs";

const GROUP = "2 httpx call overhead";
async function main() {
  const calls = Math.max(100, Math.round(1000 * SCALE));
  progress(`${calls} plain + ${calls} streamed calls each with and without iron, alternating in 10 rounds`);
  const mock = await startMockProcess();
  const sup = await Supervisor.start({ allowUninstall: true }); // the agent uninstalls and reinstalls the shim between rounds
  let samples;
  try {
    samples = await runAgentPython(sup, "http_calls.py", { BENCH_BASE_URL: mock.baseUrl, BENCH_CALLS: String(calls) });
  } finally {
    await sup.close();
    await mock.stop();
  }
  const rows = [];
  const figures = [
    ["total", "non-streamed call"],
    ["first", "streamed: first chunk"],
    ["last", "streamed: last chunk"],
  ];
  for (const [key, label] of figures) {
    const w = summary(samples.iron[key]);
    const wo = summary(samples.plain[key]);
    for (const p of ["p50", "p99"]) {
      const added = (w[p] - wo[p]) / 1000;
      // Issue 14's stream figure: the last chunk at most 1 ms later than without iron (p50).
      const target = key === "last" && p === "p50" ? { target: "+ ≤ 1 ms", met: added <= 1 } : {};
      rows.push(
        row({
          group: GROUP,
          figure: `${label} ${p}, with iron (n=${w.count})`,
          value: w[p] / 1000,
          unit: "ms",
          baseline: `same, without iron`,
          baselineValue: wo[p] / 1000,
          ...target,
          note: `added ${added.toFixed(2)} ms`,
        }),
      );
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("http-overhead", main);
export { main };
