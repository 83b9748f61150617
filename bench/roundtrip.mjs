// Benchmark 1: the governed decision round trip shim → supervisor → shim for a typical chat
// request, against a raw AF_UNIX echo between the same two processes and pyzmq + msgpack to the
// same ROUTER (iron's own ZMTP server). Everything is measured in one Python process, interleaved in rounds.
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Supervisor } from "../dist/index.js";
import { RouterSocket } from "../dist/transport/router-socket.js";
import { silentLogger } from "../dist/telemetry/logger.js";
import { BENCH_PY, PYTHON, SCALE, tempDir } from "./lib/env.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { summary } from "./lib/stats.mjs";

const GROUP = "1 decision round trip";

/** Starts the Node side (supervisor, raw echo, an echo on iron's ROUTER socket), runs the Python side, returns samples in µs. */
export async function measure({ calls, rounds = 10, methods, env = {}, supervisor = {} }) {
  const dir = tempDir();
  const echoPath = join(dir, "echo.sock");
  const echo = createServer((socket) => socket.on("data", (data) => socket.write(data)));
  await new Promise((resolve) => echo.listen(echoPath, resolve));
  const zmqEcho = await RouterSocket.bind([`ipc://${join(dir, "zecho.sock")}`], (id, payload) => zmqEcho.send(id, payload), silentLogger());
  const sup = await Supervisor.start({ decisionTimeoutMs: 10_000, ...supervisor });
  const out = join(dir, "samples.json");
  try {
    const agent = await sup.spawn({
      script: join(BENCH_PY, "roundtrip.py"),
      python: PYTHON,
      env: {
        BENCH_OUT: out,
        BENCH_CALLS: String(calls),
        BENCH_ROUNDS: String(rounds),
        BENCH_ECHO_PATH: echoPath,
        BENCH_ZMQ_ECHO: zmqEcho.endpoints[0],
        ...(methods ? { BENCH_METHODS: methods.join(",") } : {}),
        ...env,
      },
      echo: "prefixed",
    });
    const exit = await agent.exited;
    if (exit.exitCode !== 0) throw new Error(`roundtrip agent failed: ${exit.reason}`);
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    await sup.close();
    await zmqEcho.close();
    echo.close();
  }
}

async function main() {
  const calls = Math.max(2000, Math.round(20_000 * SCALE));
  progress(`${calls} calls per method, interleaved in 10 rounds`);
  const { samples, cpu_us: cpu } = await measure({ calls });
  const s = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summary(values)]));
  const rows = [];
  for (const [p, label] of [
    ["p50", "p50"],
    ["p99", "p99"],
    ["p999", "p99.9"],
  ]) {
    rows.push(
      row({
        group: GROUP,
        figure: `governed decision ${label} (n=${s.shim.count})`,
        value: s.shim[p],
        unit: "µs",
        baseline: `raw AF_UNIX echo ${label}`,
        baselineValue: s.echo[p],
        target: p === "p50" ? "≤ 1.5×" : undefined,
        met: p === "p50" ? s.shim.p50 <= 1.5 * s.echo.p50 : undefined,
      }),
    );
  }
  rows.push(
    row({
      group: GROUP,
      figure: "governed decision p50",
      value: s.shim.p50,
      unit: "µs",
      baseline: "pyzmq+msgpack, same ROUTER, p50",
      baselineValue: s.pyzmq.p50,
      target: "≤ 1×",
      met: s.shim.p50 <= s.pyzmq.p50,
    }),
  );
  rows.push(
    row({
      group: GROUP,
      figure: "governed decision p99",
      value: s.shim.p99,
      unit: "µs",
      baseline: "pyzmq+msgpack, same ROUTER, p99",
      baselineValue: s.pyzmq.p99,
      target: "< 1000 µs",
      met: s.shim.p99 < 1000,
    }),
  );
  rows.push(row({ group: GROUP, figure: "pyzmq+msgpack governed p50 (baseline)", value: s.pyzmq.p50, unit: "µs", baseline: "raw AF_UNIX echo p50", baselineValue: s.echo.p50 }));
  rows.push(
    row({
      group: GROUP,
      figure: "pyzmq → iron's echo ROUTER p50",
      value: s.pyzmq_echo.p50,
      unit: "µs",
      baseline: "raw AF_UNIX echo p50",
      baselineValue: s.echo.p50,
      note: "libzmq DEALER + iron's ZMTP socket alone, no policies",
    }),
  );
  rows.push(
    row({
      group: GROUP,
      figure: "shim ZMTP → iron's echo ROUTER p50",
      value: s.zmtp_echo.p50,
      unit: "µs",
      baseline: "pyzmq → echo ROUTER p50",
      baselineValue: s.pyzmq_echo.p50,
      note: "stdlib ZMTP, calling thread reads",
    }),
  );
  rows.push(
    row({
      group: GROUP,
      figure: `whole governed call, no HTTP, p50 (n=${s.shim_call.count})`,
      value: s.shim_call.p50,
      unit: "µs",
      baseline: "2 × raw AF_UNIX echo p50",
      baselineValue: 2 * s.echo.p50,
      note: "before() + after(): two decisions",
    }),
  );
  rows.push(row({ group: GROUP, figure: "whole governed call, no HTTP, p99", value: s.shim_call.p99, unit: "µs", baseline: "2 × raw AF_UNIX echo p99", baselineValue: 2 * s.echo.p99 }));
  // As `iron run` runs it: a SQLite state file, the event stream and the dashboard (call details) on.
  progress("again as iron run runs it: state file, event stream and dashboard on");
  const full = await measure({ calls: Math.round(calls / 2), methods: ["shim", "echo"], supervisor: { state: join(tempDir(), "state.db"), stream: { port: 0 } } });
  const f = summary(full.samples.shim);
  rows.push(
    row({
      group: GROUP,
      figure: `governed decision p50, state file + stream + dashboard (n=${f.count})`,
      value: f.p50,
      unit: "µs",
      baseline: "governed decision p50, in memory, no stream",
      baselineValue: s.shim.p50,
      note: "what iron run adds per decision",
    }),
  );
  rows.push(
    row({
      group: GROUP,
      figure: "governed decision p99, state file + stream + dashboard",
      value: f.p99,
      unit: "µs",
      baseline: "governed decision p99, in memory, no stream",
      baselineValue: s.shim.p99,
    }),
  );
  rows.push(
    row({
      group: GROUP,
      figure: "Python CPU per call (request + response decisions)",
      value: cpu.shim,
      unit: "µs",
      baseline: "pyzmq+msgpack, same two messages",
      baselineValue: cpu.pyzmq,
      note: "time.process_time of the agent, all threads",
    }),
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("roundtrip", main);
