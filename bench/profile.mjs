// CPU profiles of both processes for the black-box workload (bench/blackbox.mjs's agent under
// `iron run --budget 1000`, default configuration, against the mock provider), written as text
// summaries: the supervisor under `node --cpu-prof` (every thread, summarised by
// bench/lib/profile-summary.mjs) with the agent unprofiled, then the agent under cProfile with the
// supervisor unprofiled (one profiler at a time, so neither slows the other's side).
//   npm run build && node bench/profile.mjs DIR [calls=3000]   (bench/profiles/before: 2000)
import { execa } from "execa";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { BENCH_PY, IRON_BIN, PYTHON, REPO, tempDir } from "./lib/env.mjs";
import { fileTimes, selfTimes, totalTimes } from "./lib/profile-summary.mjs";
import { startMockProcess } from "./lib/processes.mjs";
import { summary } from "./lib/stats.mjs";

const outDir = resolve(process.argv[2] ?? "bench/profiles/latest");
const calls = Number(process.argv[3] ?? 3000);
const AGENT = join(BENCH_PY, "blackbox_calls.py");
mkdirSync(outDir, { recursive: true });

/** `iron run --budget 1000` of `args` with the mock's URL; node flags go before the CLI. */
async function ironRun(nodeFlags, args, env) {
  const out = join(tempDir(), "out.json");
  const started = performance.now();
  const result = await execa("node", [...nodeFlags, IRON_BIN, "run", "--python", PYTHON, "-q", "--budget", "1000", "--state", join(tempDir(), "state.db"), ...args], {
    env: { ...env, BENCH_OUT: out, BENCH_CALLS: String(calls) },
    extendEnv: true,
    reject: false,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`iron run failed (${result.exitCode}): ${result.stderr.slice(-500)}`);
  const s = summary(JSON.parse(readFileSync(out, "utf8")).samples);
  return `${s.count} calls, ${((performance.now() - started) / 1000).toFixed(1)} s wall; call p50 ${s.p50.toFixed(0)} µs, p99 ${s.p99.toFixed(0)} µs (profiled)`;
}

/** One profile file as text: self time by function and by file. */
function summarise(file, top = 45) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const rows = selfTimes(profile);
  const total = rows.reduce((t, [, ms]) => t + ms, 0);
  const idle = rows.find(([key]) => key.startsWith("(idle)"))?.[1] ?? 0;
  const line = ([key, ms]) =>
    `${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}% ${key.startsWith("(idle)") ? "     –" : `${((100 * ms) / Math.max(1, total - idle)).toFixed(1).padStart(5)}%`}  ${key}`;
  return [
    `total ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms (${((100 * idle) / total).toFixed(0)}%); columns: self ms, % of all samples, % of busy samples`,
    "",
    "by function:",
    ...rows.slice(0, top).map(line),
    "",
    "inclusive (self + callees), iron's own code:",
    ...totalTimes(profile)
      .filter(([key]) => / (supervisor|store|sqlite|policy|events|stream|transport|protocol|lifecycle|pii|policies)\//.test(key))
      .slice(0, top)
      .map(line),
    "",
    "by file:",
    ...fileTimes(profile).slice(0, 30).map(line),
  ].join("\n");
}

const git = (await execa("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO })).stdout.trim();
const header = (what, run) =>
  `# ${what}\n# ${new Date().toISOString()} · commit ${git} · load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")} · ${run}\n\n`;
const mock = await startMockProcess();
try {
  const env = { BENCH_BASE_URL: mock.baseUrl };
  const raw = tempDir("iron-cpuprof-");
  const run = await ironRun(["--cpu-prof", `--cpu-prof-dir=${raw}`], [AGENT], env);
  // --cpu-prof names files CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
  for (const file of readdirSync(raw)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()) {
    const thread = file.split(".").at(-3) === "0" ? "main" : `thread-${file.split(".").at(-3)}`;
    const name = `supervisor-${thread}.txt`;
    writeFileSync(join(outDir, name), header(`supervisor ${thread} thread, node --cpu-prof, iron run --budget 1000 (default config)`, run) + summarise(join(raw, file)));
    process.stderr.write(`wrote ${join(outDir, name)}\n`);
  }
  const pyOut = join(outDir, "agent-cprofile.txt");
  const pyRaw = join(tempDir(), "cprofile.txt");
  const pyRun = await ironRun([], [join(BENCH_PY, "cprofile_agent.py"), "--", AGENT], { ...env, BENCH_PROFILE_OUT: pyRaw });
  writeFileSync(pyOut, header("agent (calling thread), cProfile under iron run --budget 1000 (default config)", pyRun) + readFileSync(pyRaw, "utf8"));
  process.stderr.write(`wrote ${pyOut}\n`);
} finally {
  await mock.stop();
}
