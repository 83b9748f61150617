// `npm run bench`: every benchmark in its own Node process (against dist/), one table at the end,
// and bench/results/latest.json. Each figure sits beside a baseline measured in the same run, as a
// ratio. Nothing here is asserted: the machine is shared and noisy, so read ratios, not absolutes.
//   node bench/run.mjs [name ...]      only some (blackbox, roundtrip, http-overhead, throughput, startup, tracing,
//   node bench/run.mjs --only <name>   memory, tokens, tokenizer; engine, restart-cycle, stream-latency,
//                                      store-throughput, join-startup and fleet print their own report);
//                                      --only takes a comma-separated list and may be repeated
//   npm run bench -- --only blackbox   one row group again, alone
//   BENCH_SCALE=0.2 node bench/run.mjs a quick look with fewer samples
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { DIST, PYTHON, REPO, SCALE, tempDir } from "./lib/env.mjs";
import { table } from "./lib/report.mjs";

const ALL = ["blackbox", "roundtrip", "http-overhead", "throughput", "startup", "memory", "tokens", "tokenizer", "tracing"];
/** Benchmarks with their own report format (the engine's, the lifecycle's): run, printed, kept as text. */
const OWN_REPORT = {
  engine: [String(Math.max(1000, Math.round(5000 * SCALE)))],
  "restart-cycle": ["5"],
  "stream-latency": [String(Math.max(500, Math.round(3000 * SCALE)))],
  "store-throughput": [String(Math.max(2000, Math.round(20000 * SCALE)))],
  "join-startup": [String(Math.max(5, Math.round(20 * SCALE)))],
  fleet: [String(Math.max(2000, Math.round(20000 * SCALE)))],
};

/** What the run was measured on, so two result files can be compared honestly. */
function machine() {
  const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" });
  const python = spawnSync(PYTHON, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" });
  return {
    date: new Date().toISOString(),
    commit: git.stdout.trim() || null,
    node: process.version,
    python: `${PYTHON} ${python.stdout.trim()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadBefore: loadavg().map((x) => Math.round(x * 100) / 100),
    scale: SCALE,
  };
}

/** Case names from the command line: positional, or after --only (comma-separated, repeatable). */
function wantedCases(argv) {
  const names = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = arg === "--only" ? argv[++i] : arg.startsWith("--only=") ? arg.slice(7) : arg;
    if (value === undefined || value.startsWith("--")) throw new Error(`--only needs a case name (one of ${[...ALL, ...Object.keys(OWN_REPORT)].join(", ")})`);
    names.push(...value.split(",").filter(Boolean));
  }
  const unknown = names.filter((name) => !ALL.includes(name) && !(name in OWN_REPORT));
  if (unknown.length > 0) throw new Error(`unknown bench case ${unknown.join(", ")}: expected one of ${[...ALL, ...Object.keys(OWN_REPORT)].join(", ")}`);
  return names;
}

const wanted = wantedCases(process.argv.slice(2));
const names = ALL.filter((name) => (wanted.length === 0 || wanted.includes(name)) && existsSync(join(REPO, "bench", `${name}.mjs`)));
if (!existsSync(join(DIST, "index.js"))) execFileSync("npm", ["run", "--silent", "build"], { cwd: REPO, stdio: "inherit" });
const meta = machine();
process.stderr.write(`iron bench · ${meta.cpus} × ${meta.cpuModel} · load ${meta.loadBefore.join(" ")} · ${meta.node} · ${meta.python}\n`);
const started = Date.now();
const results = [];
const dir = tempDir();
for (const name of names) {
  process.stderr.write(`\n▸ ${name}\n`);
  const emit = join(dir, `${name}.json`);
  const child = spawnSync("node", [join(REPO, "bench", `${name}.mjs`), "--emit", emit], { stdio: "inherit", cwd: REPO });
  if (child.status !== 0 || !existsSync(emit)) {
    results.push({ name, failed: true, seconds: null, rows: [] });
    process.stderr.write(`  ✗ ${name} failed (exit ${child.status})\n`);
    continue;
  }
  results.push(JSON.parse(readFileSync(emit, "utf8")));
}
const reports = {};
for (const [name, args] of Object.entries(OWN_REPORT)) {
  if ((wanted.length > 0 && !wanted.includes(name)) || !existsSync(join(REPO, "bench", `${name}.mjs`))) continue;
  process.stderr.write(`\n▸ ${name}\n`);
  const child = spawnSync("node", [join(REPO, "bench", `${name}.mjs`), ...args], { cwd: REPO, encoding: "utf8" });
  reports[name] = `${child.stdout}${child.status === 0 ? "" : `\n(exit ${child.status}) ${child.stderr}`}`;
  process.stderr.write(reports[name]);
}
meta.loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);
meta.seconds = Math.round((Date.now() - started) / 1000);
const rows = results.flatMap((r) => r.rows);
process.stdout.write(`\n${table(rows)}\n\n${meta.seconds} s · load before ${meta.loadBefore.join(" ")}, after ${meta.loadAfter.join(" ")}\n`);
for (const result of results) Object.assign(result, { measuredAt: meta.date, commit: meta.commit });
mkdirSync(join(REPO, "bench", "results"), { recursive: true });
const latest = join(REPO, "bench", "results", "latest.json");
// A partial run (--only) replaces its own cases in latest.json and keeps the others' last figures.
if (wanted.length > 0 && existsSync(latest)) {
  const before = JSON.parse(readFileSync(latest, "utf8"));
  const kept = (before.results ?? []).filter((r) => !results.some((n) => n.name === r.name));
  const order = (r) => ALL.indexOf(r.name);
  writeFileSync(
    latest,
    `${JSON.stringify({ meta: { ...meta, partial: wanted }, results: [...kept, ...results].sort((a, b) => order(a) - order(b)), reports: { ...before.reports, ...reports } }, null, 2)}\n`,
  );
} else {
  writeFileSync(latest, `${JSON.stringify({ meta, results, reports }, null, 2)}\n`);
}
process.stdout.write("written to bench/results/latest.json\n");
process.exitCode = results.some((r) => r.failed) ? 1 : 0;
