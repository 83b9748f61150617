// Grants on against grants off in one build, in alternating rounds (figure 1's black-box agent,
// bench/py/blackbox_calls.py: sequential urllib chat completions against the mock provider, timed by the
// agent's own clock), so the machine's swings fall on both sides alike. Also: python alone, the baseline.
// Usage: node grants-ab.mjs REPO [rounds=4] [calls=300]   (REPO: a checkout with dist/ built)
// Prints one JSON line per round and side, then the medians of p50 and p99 (µs) and of what iron adds.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(process.argv[2] ?? ".");
const rounds = Number(process.argv[3] ?? "4");
const calls = Number(process.argv[4] ?? "300");
const { Supervisor } = await import(join(repo, "dist", "index.js"));
const { startMockLlm } = await import(join(repo, "dist", "mock-llm", "index.js"));
const { tempDir, BENCH_PY, PYTHON } = await import(join(repo, "bench", "lib", "env.mjs"));
const script = join(BENCH_PY, "blackbox_calls.py");

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function governed(mock, localAdmission) {
  const out = join(tempDir(), "out.json");
  const sup = await Supervisor.start({ state: join(tempDir(), "state.db"), budgetUsd: 1000, localAdmission });
  try {
    const agent = await sup.spawn({ script, python: PYTHON, env: { BENCH_BASE_URL: mock.baseUrl, BENCH_CALLS: String(calls), BENCH_OUT: out }, restart: "never" });
    const exit = await agent.exited;
    if (exit.exitCode !== 0) throw new Error(`agent exited ${exit.exitCode}`);
  } finally {
    await sup.close();
  }
  return JSON.parse(readFileSync(out, "utf8")).samples;
}

async function plain(mock) {
  const out = join(tempDir(), "out.json");
  await execa(PYTHON, [script], { env: { BENCH_BASE_URL: mock.baseUrl, BENCH_CALLS: String(calls), BENCH_OUT: out } });
  return JSON.parse(readFileSync(out, "utf8")).samples;
}

const mock = await startMockLlm({ port: 0 });
const sides = { plain: [], grants: [], asking: [] };
try {
  for (let r = 0; r < rounds; r += 1) {
    for (const side of r % 2 === 0 ? ["plain", "grants", "asking"] : ["asking", "grants", "plain"]) {
      const samples = side === "plain" ? await plain(mock) : await governed(mock, side === "grants");
      const sorted = [...samples].sort((a, b) => a - b);
      const row = { round: r + 1, side, p50: Math.round(pct(sorted, 50)), p99: Math.round(pct(sorted, 99)) };
      sides[side].push(row);
      console.log(JSON.stringify(row));
    }
  }
} finally {
  await mock.close();
}
const summary = {};
for (const [side, rows] of Object.entries(sides)) summary[side] = { p50: median(rows.map((r) => r.p50)), p99: median(rows.map((r) => r.p99)) };
for (const side of ["grants", "asking"]) {
  summary[side].addedP50 = median(sides[side].map((r, i) => r.p50 - (sides.plain[i]?.p50 ?? 0)));
  summary[side].addedP99 = median(sides[side].map((r, i) => r.p99 - (sides.plain[i]?.p99 ?? 0)));
}
console.log(JSON.stringify({ medians: summary }));
