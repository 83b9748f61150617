// Runs interleaved.py under `iron run` (the default config of figure 1) against one mock provider, N times,
// and prints per run and in median the p50/p99 of each spin level and its difference to level 0.
// Usage: node interleaved.mjs RUNS CYCLES LEVELS   (e.g. node interleaved.mjs 5 400 0,100,200,400)
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IRON_BIN, PYTHON, tempDir } from "../../lib/env.mjs";
import { startMockProcess } from "../../lib/processes.mjs";
import { median, summary } from "../../lib/stats.mjs";

const [runs, cycles] = process.argv.slice(2, 4).map(Number);
const levels = process.argv[4] ?? "0,200";
const script = join(import.meta.dirname, "interleaved.py");
const mock = await startMockProcess();
const diffs = {};
try {
  for (let r = 0; r < runs; r += 1) {
    const out = join(tempDir(), "out.json");
    const env = { BENCH_OUT: out, BENCH_BASE_URL: mock.baseUrl, BENCH_CYCLES: String(cycles), SPIN_LEVELS: levels };
    const state = join(tempDir(), "state.db");
    const res = await execa("node", [IRON_BIN, "run", "--python", PYTHON, "-q", "--budget", "1000", "--state", state, script], {
      env,
      extendEnv: true,
      reject: false,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    if (res.exitCode !== 0) throw new Error(`agent failed (${res.exitCode}): ${res.stderr.slice(-800)}`);
    const got = JSON.parse(readFileSync(out, "utf8"));
    const s0 = summary(got["0"].samples);
    const cells = [];
    for (const [level, v] of Object.entries(got)) {
      const s = summary(v.samples);
      if (!diffs[level]) diffs[level] = { p50: [], p99: [] };
      const d = diffs[level];
      d.p50.push(s.p50 - s0.p50);
      d.p99.push(s.p99 - s0.p99);
      cells.push(`${level}µs p50 ${s.p50.toFixed(0)} p99 ${s.p99.toFixed(0)} cpu ${v.cpu.toFixed(0)} (spins hit ${v.hits}, missed ${v.misses})`);
    }
    console.log(`run ${r + 1}: ${cells.join(" | ")}`);
  }
} finally {
  await mock.stop();
}
for (const [level, d] of Object.entries(diffs)) {
  if (level === "0") continue;
  const lower = d.p50.filter((x) => x < 0).length;
  console.log(`${level} µs vs 0: p50 ${median(d.p50).toFixed(0)} µs (lower in ${lower}/${runs} runs), p99 ${median(d.p99).toFixed(0)} µs (lower in ${d.p99.filter((x) => x < 0).length}/${runs})`);
}
