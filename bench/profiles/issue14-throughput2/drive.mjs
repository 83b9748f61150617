// Issue 14 figure 2 alone, for paired A/B runs and profiles: 64 callers over 8 agents with a SQLite
// state file, a budget and a followed stream, governed only (no echo phase).
// Usage: node drive.mjs REPO [seconds=4] [profile-dir]   (REPO: a checkout with dist/ built)
// Prints one JSON line: calls/s, decisions/s, supervisor CPU % of a core and µs of CPU per decision.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join, resolve } from "node:path";

const repo = resolve(process.argv[2] ?? ".");
const seconds = Number(process.argv[3] ?? "4");
const profileDir = process.argv[4];
const { Supervisor } = await import(join(repo, "dist", "index.js"));
const { runAgentPython } = await import(join(repo, "bench", "lib", "processes.mjs"));
const { tempDir } = await import(join(repo, "bench", "lib", "env.mjs"));

const sup = await Supervisor.start({ decisionTimeoutMs: 30_000, state: join(tempDir(), "state.db"), stream: { port: 0 }, budgetUsd: 1000 });
const follower = spawn("node", [join(repo, "bench", "lib", "stream-follower.mjs"), sup.streamUrl], { stdio: ["pipe", "pipe", "inherit"] });
let out = "";
follower.stdout.on("data", (c) => (out += c));
await new Promise((ok) => follower.stdout.on("data", () => out.includes("ready\n") && ok()));
const go = join(tempDir(), "go");
let ready = 0;
let allReady;
const readyAll = new Promise((ok) => (allReady = ok));
sup.on("event", (e) => e.type === "agent.output" && e.line === "ready" && ++ready === 8 && allReady());
const done = Promise.all(
  Array.from({ length: 8 }, () => runAgentPython(sup, "throughput.py", { BENCH_THREADS: "8", BENCH_GO: go, BENCH_SECONDS: String(seconds), BENCH_MODE: "governed", BENCH_ECHO_PATH: "/nonexistent" })),
);
await readyAll;
const startAt = Date.now() + 300;
writeFileSync(go, String(startAt / 1000));
await new Promise((ok) => setTimeout(ok, startAt - Date.now()));
let session;
if (profileDir) {
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
}
const cpu0 = process.cpuUsage();
await new Promise((ok) => setTimeout(ok, seconds * 1000));
const used = process.cpuUsage(cpu0);
if (session) {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(join(profileDir, `window-${Date.now()}.cpuprofile`), JSON.stringify(profile));
}
const results = await done;
await new Promise((ok) => setTimeout(ok, 1000));
follower.stdin.end();
await new Promise((ok) => follower.once("exit", ok));
const seen = JSON.parse(out.trim().split("\n").pop());
await sup.close();
const calls = results.reduce((t, r) => t + r.calls, 0);
const cpu = (used.user + used.system) / 1e6 / seconds;
const agentCpu = results.reduce((t, r) => t + r.cpu, 0) / seconds;
const rate = calls / seconds;
console.log(
  JSON.stringify({
    repo,
    callsPerS: Math.round(rate),
    decisionsPerS: Math.round(2 * rate),
    supCpuPct: Math.round(100 * cpu),
    usPerDecision: Math.round((1e6 * cpu) / (2 * rate)),
    sysShare: Math.round((100 * used.system) / (used.user + used.system)),
    agentCpuPct: Math.round(100 * agentCpu),
    streamGaps: seen.gaps,
    streamDisorder: seen.disorder,
    streamed: seen.count,
  }),
);
