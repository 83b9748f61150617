// Benchmark: the decision round trip with OpenTelemetry tracing on (spans batched to an OTLP/HTTP
// receiver) against tracing off, in the same run, alternating off/on so drift hits both alike.
// Goal: tracing costs the decision path under 5 %.
import { createServer } from "node:http";
import { SCALE } from "./lib/env.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { summary } from "./lib/stats.mjs";
import { measure } from "./roundtrip.mjs";

const GROUP = "tracing on the decision path";

/** An OTLP/HTTP sink: reads each export and answers 200, counting the requests. */
async function sink() {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      exports += 1;
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, exports: () => exports, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function main() {
  const calls = Math.max(1000, Math.round(8000 * SCALE));
  const collector = await sink();
  const off = { shim: [], shim_call: [] };
  const on = { shim: [], shim_call: [] };
  try {
    for (let pass = 1; pass <= 2; pass += 1) {
      progress(`pass ${pass}/2: tracing off, ${calls} calls per method`);
      const a = await measure({ calls, rounds: 5, methods: ["shim", "shim_call"], supervisor: { telemetry: false } });
      progress(`pass ${pass}/2: tracing on (OTLP/HTTP protobuf, batched)`);
      const b = await measure({ calls, rounds: 5, methods: ["shim", "shim_call"], supervisor: { telemetry: { endpoint: collector.url, batchDelayMs: 1000 } } });
      for (const m of ["shim", "shim_call"]) {
        off[m].push(...a.samples[m]);
        on[m].push(...b.samples[m]);
      }
    }
  } finally {
    await collector.close();
  }
  const d = { off: summary(off.shim), on: summary(on.shim) };
  const c = { off: summary(off.shim_call), on: summary(on.shim_call) };
  return [
    row({
      group: GROUP,
      figure: `governed decision p50, tracing on (n=${d.on.count})`,
      value: d.on.p50,
      unit: "µs",
      baseline: "tracing off p50",
      baselineValue: d.off.p50,
      target: "≤ 1.05×",
      met: d.on.p50 <= 1.05 * d.off.p50,
    }),
    row({ group: GROUP, figure: "governed decision p99, tracing on", value: d.on.p99, unit: "µs", baseline: "tracing off p99", baselineValue: d.off.p99 }),
    row({
      group: GROUP,
      figure: `whole governed call p50, tracing on (n=${c.on.count})`,
      value: c.on.p50,
      unit: "µs",
      baseline: "tracing off p50",
      baselineValue: c.off.p50,
      target: "≤ 1.05×",
      met: c.on.p50 <= 1.05 * c.off.p50,
      note: `${collector.exports()} OTLP exports received`,
    }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("tracing", main);
