// Benchmark 0 (issue 14, figure 1): what iron adds to a whole non-streamed chat completion, black box.
// A stdlib urllib agent times sequential calls to the mock provider (its own process) by its own
// clock, started three ways in alternating rounds: `python3 agent.py` (the baseline), `iron run
// --budget 1000 agent.py` with the default configuration (safety on, a SQLite state file, stream
// and dashboard on), and `python3 agent.py` aimed at Portkey's open-source gateway (the proxy peer,
// installed on demand outside the repo; when it cannot be, its rows say why and the rest goes on).
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_PY, IRON_BIN, PYTHON, SCALE, tempDir } from "./lib/env.mjs";
import { ensurePortkey, portkeyVersion, startPortkey } from "./lib/portkey.mjs";
import { startMockProcess } from "./lib/processes.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { summary } from "./lib/stats.mjs";

const GROUP = "0 black-box call";
const SCRIPT = join(BENCH_PY, "blackbox_calls.py");

/** Runs the agent once (`via` iron run or plain python); resolves with its samples in µs. */
async function runOnce({ via, baseUrl, calls, headers, state }) {
  const out = join(tempDir(), "out.json");
  const env = { BENCH_OUT: out, BENCH_BASE_URL: baseUrl, BENCH_CALLS: String(calls), BENCH_HEADERS: JSON.stringify(headers ?? {}) };
  const [command, args] = via === "iron" ? ["node", [IRON_BIN, "run", "--python", PYTHON, "-q", "--budget", "1000", "--state", state, SCRIPT]] : [PYTHON, [SCRIPT]];
  const result = await execa(command, args, { env, extendEnv: true, reject: false, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${via}: agent failed (${result.exitCode}): ${result.stderr.slice(-500)}`);
  const got = JSON.parse(readFileSync(out, "utf8"));
  if (got.governed !== (via === "iron")) throw new Error(`${via}: expected governed=${via === "iron"}, got ${got.governed}`);
  return got.samples;
}

async function main() {
  const calls = Math.max(400, Math.round(2000 * SCALE));
  const rounds = 4;
  const mock = await startMockProcess();
  const skipped = ensurePortkey();
  let portkey = null;
  let peerWhy = skipped;
  if (!skipped) {
    try {
      portkey = await startPortkey();
    } catch (error) {
      peerWhy = String(error.message ?? error);
    }
  }
  const state = join(tempDir(), "state.db");
  const sides = { plain: [], iron: [], ...(portkey ? { portkey: [] } : {}) };
  const runs = {
    plain: (n) => runOnce({ via: "python", baseUrl: mock.baseUrl, calls: n }),
    iron: (n) => runOnce({ via: "iron", baseUrl: mock.baseUrl, calls: n, state }),
    portkey: (n) => runOnce({ via: "python", baseUrl: portkey.baseUrl, calls: n, headers: { "x-portkey-provider": "openai", "x-portkey-custom-host": mock.baseUrl } }),
  };
  try {
    progress(`${calls} sequential urllib calls per side in ${rounds} rounds: python alone, iron run --budget 1000${portkey ? ", via Portkey's gateway" : ""}`);
    for (let r = 0; r < rounds; r += 1) {
      const order = Object.keys(sides);
      for (let i = 0; i < r; i += 1) order.push(order.shift());
      for (const side of order) sides[side].push(...(await runs[side](Math.round(calls / rounds))));
    }
  } finally {
    await portkey?.stop();
    await mock.stop();
  }
  const s = Object.fromEntries(Object.entries(sides).map(([side, values]) => [side, summary(values)]));
  const rows = [];
  const targets = { p50: 250, p99: 1000 };
  for (const p of ["p50", "p99"]) {
    const added = s.iron[p] - s.plain[p];
    rows.push(
      row({
        group: GROUP,
        figure: `call ${p}, iron run (default config) (n=${s.iron.count})`,
        value: s.iron[p],
        unit: "µs",
        baseline: "same call, no iron",
        baselineValue: s.plain[p],
        target: `+ ≤ ${targets[p]} µs`,
        met: added <= targets[p],
        note: `added ${added.toFixed(0)} µs`,
      }),
    );
  }
  for (const p of ["p50", "p99"]) {
    if (!portkey) {
      rows.push(
        row({ group: GROUP, figure: `call ${p}, via Portkey's gateway`, value: Number.NaN, unit: "µs", baseline: "same call, no proxy", baselineValue: s.plain[p], note: `not measured: ${peerWhy}` }),
      );
      continue;
    }
    const added = s.portkey[p] - s.plain[p];
    rows.push(
      row({
        group: GROUP,
        figure: `call ${p}, via Portkey's gateway (${portkeyVersion()})`,
        value: s.portkey[p],
        unit: "µs",
        baseline: "same call, no proxy",
        baselineValue: s.plain[p],
        note: `added ${added.toFixed(0)} µs`,
      }),
    );
  }
  if (portkey) {
    for (const p of ["p50", "p99"]) {
      rows.push(
        row({
          group: GROUP,
          figure: `added ${p}: iron`,
          value: s.iron[p] - s.plain[p],
          unit: "µs",
          baseline: `added ${p}: Portkey's gateway`,
          baselineValue: s.portkey[p] - s.plain[p],
          target: `≤ ${targets[p]} µs`,
          met: s.iron[p] - s.plain[p] <= targets[p],
        }),
      );
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("blackbox", main);
export { main };
