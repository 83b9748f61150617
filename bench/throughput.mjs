// Benchmark 3: governed calls per second (request + response decisions, no HTTP) with 1, 8 and 64
// concurrent callers spread over 1 and 8 agents, beside the same callers doing two raw AF_UNIX echo
// round trips per call; and where the CPU goes (supervisor vs agents) to say which side saturates.
// Then issue 14's figure 2: 64 callers over 8 agents as `iron run` runs them (a budget, a SQLite state
// file, the event stream followed by a client in its own process), and a check that nothing was lost:
// every call in the ledger, every event in the store and on the stream, in seq order.
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Supervisor } from "../dist/index.js";
import { REPO, SCALE, tempDir } from "./lib/env.mjs";
import { runAgentPython } from "./lib/processes.mjs";
import { progress, row, runBench } from "./lib/report.mjs";

const GROUP = "3 throughput";
/** [callers, agents]; BENCH_SHAPES=64x8,8x1 picks some ("" none: only the state-file run). */
const SHAPES =
  process.env.BENCH_SHAPES === undefined
    ? [
        [1, 1],
        [8, 1],
        [64, 1],
        [8, 8],
        [64, 8],
      ]
    : process.env.BENCH_SHAPES.split(",")
        .filter(Boolean)
        .map((shape) => shape.split("x").map(Number));

/**
 * Runs `agents` agents with callers split among them for `seconds`, started together once every
 * agent is connected and ready (a go file, so a slow start on a loaded machine does not eat into
 * the window); returns calls/s and CPU use, and how late the latest caller started.
 */
async function measure(sup, { callers, agents, seconds, mode, echoPath }) {
  const go = join(tempDir(), "go");
  const per = Array.from({ length: agents }, (_, i) => Math.floor(callers / agents) + (i < callers % agents ? 1 : 0));
  let ready = 0;
  let allReady;
  const readyAll = new Promise((resolve) => (allReady = resolve));
  const onEvent = (e) => e.type === "agent.output" && e.line === "ready" && ++ready === agents && allReady();
  const unsubscribe = sup.on("event", onEvent);
  const done = Promise.all(
    per.map((threads) => runAgentPython(sup, "throughput.py", { BENCH_THREADS: String(threads), BENCH_GO: go, BENCH_SECONDS: String(seconds), BENCH_MODE: mode, BENCH_ECHO_PATH: echoPath })),
  );
  let supervisorCpu = 0;
  const windowed = readyAll.then(async () => {
    const startAt = Date.now() + 300;
    writeFileSync(`${go}.tmp`, String(startAt / 1000));
    renameSync(`${go}.tmp`, go);
    await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
    const cpuAtStart = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const used = process.cpuUsage(cpuAtStart);
    supervisorCpu = (used.user + used.system) / 1e6;
  });
  const results = await done;
  await windowed;
  unsubscribe();
  const calls = results.reduce((t, r) => t + r.calls, 0);
  const agentCpu = results.reduce((t, r) => t + r.cpu, 0);
  const lateMs = Math.max(...results.map((r) => r.late_ms));
  return { calls, rate: calls / seconds, supervisorCpu: supervisorCpu / seconds, agentCpu: agentCpu / seconds, lateMs };
}

/** Starts the stream follower (its own process) on `url`; resolves once it has the snapshot. */
async function follow(url) {
  const child = spawn("node", [join(REPO, "bench", "lib", "stream-follower.mjs"), url], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  await new Promise((resolve, reject) => {
    child.stdout.on("data", () => out.includes("ready\n") && resolve());
    child.once("exit", (code) => reject(new Error(`stream follower exited (${code}) before its snapshot`)));
  });
  return async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin.end();
    await exited;
    return JSON.parse(out.trim().split("\n").pop());
  };
}

/** What the state file holds after the run, to set beside what the agents counted and the stream saw. */
function audit(state, seen) {
  const db = new Database(state, { readonly: true });
  try {
    const calls = db.prepare("SELECT count(*) AS n, sum(responded_at IS NOT NULL) AS answered FROM calls").get();
    const window = db.prepare("SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM events WHERE seq > ? AND seq <= ?").get(seen.snapshotSeq, seen.last ?? seen.snapshotSeq);
    const llmAfter = db.prepare("SELECT count(*) AS n FROM events WHERE type LIKE 'llm.%' AND seq > ?").get(seen.last ?? seen.snapshotSeq).n;
    const responses = db.prepare("SELECT count(*) AS n FROM events WHERE type = 'llm.response'").get().n;
    const types = db.prepare("SELECT type, count(*) AS n FROM events GROUP BY type ORDER BY n DESC").all();
    return { calls: calls.n, answered: calls.answered ?? 0, window, llmAfter, responses, types };
  } finally {
    db.close();
  }
}

/** 64 callers over 8 agents with the state file, a budget and the followed stream; then the audit. */
async function full(seconds, echoPath) {
  const state = join(tempDir(), "state.db");
  const sup = await Supervisor.start({ decisionTimeoutMs: 30_000, state, stream: { port: 0 }, budgetUsd: 1000 });
  let governed;
  let raw;
  let seen;
  try {
    const stop = await follow(sup.streamUrl);
    governed = await measure(sup, { callers: 64, agents: 8, seconds, mode: "governed", echoPath });
    raw = await measure(sup, { callers: 64, agents: 8, seconds, mode: "echo", echoPath });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the follower drains what is in flight
    seen = await stop();
  } finally {
    await sup.close();
  }
  const stored = audit(state, seen);
  const problems = [];
  if (stored.calls !== governed.calls || stored.answered !== governed.calls) problems.push(`ledger has ${stored.calls} calls (${stored.answered} answered), agents made ${governed.calls}`);
  if (stored.responses !== governed.calls) problems.push(`store has ${stored.responses} llm.response events for ${governed.calls} calls`);
  if (seen.gaps > 0 || seen.disorder > 0) problems.push(`stream: ${seen.gaps} gaps, ${seen.disorder} out of order`);
  if (seen.count !== stored.window.n || seen.first !== stored.window.first || seen.last !== stored.window.last)
    problems.push(`stream saw ${seen.count} events (${seen.first}..${seen.last}), store holds ${stored.window.n} (${stored.window.first}..${stored.window.last})`);
  if (stored.llmAfter > 0) problems.push(`${stored.llmAfter} llm events stored after the last one streamed`);
  if ((seen.types["llm.response"] ?? 0) !== governed.calls) problems.push(`stream carried ${seen.types["llm.response"] ?? 0} llm.response events for ${governed.calls} calls`);
  if (seen.closed !== null) problems.push(`stream closed early (${seen.closed})`);
  const perCall = stored.types
    .filter(({ n }) => n >= governed.calls / 20)
    .map(({ type, n }) => `${type} ${(n / Math.max(1, governed.calls)).toFixed(2)}`)
    .join(", ");
  const check =
    problems.length === 0
      ? `nothing lost: ${governed.calls} calls in the ledger, ${seen.count} events in the store and on the stream, in order (per call: ${perCall})`
      : `LOST: ${problems.join("; ")}`;
  return { governed, raw, check, ok: problems.length === 0 };
}

async function main() {
  const seconds = Math.max(2, Math.round(5 * SCALE));
  const dir = tempDir();
  const echoPath = join(dir, "echo.sock");
  const echo = createServer((socket) => socket.on("data", (data) => socket.write(data)));
  await new Promise((resolve) => echo.listen(echoPath, resolve));
  const sup = await Supervisor.start({ decisionTimeoutMs: 30_000 });
  const rows = [];
  try {
    for (const [callers, agents] of SHAPES) {
      progress(`${callers} callers over ${agents} agent(s), ${seconds} s governed, then ${seconds} s echo`);
      const governed = await measure(sup, { callers, agents, seconds, mode: "governed", echoPath });
      const raw = await measure(sup, { callers, agents, seconds, mode: "echo", echoPath });
      rows.push(
        row({
          group: GROUP,
          figure: `${callers} callers / ${agents} agent(s): governed calls/s`,
          value: governed.rate,
          unit: "/s",
          baseline: "2 raw AF_UNIX echoes per call",
          baselineValue: raw.rate,
          note: `CPU: supervisor ${(100 * governed.supervisorCpu).toFixed(0)}% of a core, agents ${(100 * governed.agentCpu).toFixed(0)}%`,
        }),
      );
      rows.push(
        row({
          group: GROUP,
          figure: `${callers} callers / ${agents} agent(s): supervisor CPU, % of a core`,
          value: 100 * governed.supervisorCpu,
          unit: "%",
          baseline: "agents' CPU (all processes)",
          baselineValue: 100 * governed.agentCpu,
        }),
      );
    }
  } finally {
    await sup.close();
  }
  try {
    progress(`64 callers over 8 agents, state file + budget + followed stream, ${seconds} s governed, then ${seconds} s echo`);
    const { governed, raw, check, ok } = await full(seconds, echoPath);
    const cpu = `CPU: supervisor ${(100 * governed.supervisorCpu).toFixed(0)}% of a core, agents ${(100 * governed.agentCpu).toFixed(0)}%; last caller started ${governed.lateMs.toFixed(0)} ms late`;
    rows.push(
      row({
        group: GROUP,
        figure: "64 callers / 8 agents, state file + stream: governed decisions/s",
        value: 2 * governed.rate,
        unit: "/s",
        baseline: "raw AF_UNIX echoes/s, same callers",
        baselineValue: 2 * raw.rate,
        target: "≥ 10000/s",
        met: 2 * governed.rate >= 10_000,
        note: cpu,
      }),
    );
    rows.push(
      row({
        group: GROUP,
        figure: "64 callers / 8 agents, state file + stream: whole calls/s",
        value: governed.rate,
        unit: "/s",
        baseline: "2 raw AF_UNIX echoes per call",
        baselineValue: raw.rate,
        target: "≥ 5000/s",
        met: governed.rate >= 5000,
        note: check,
      }),
    );
    rows.push(row({ group: GROUP, figure: "64 callers / 8 agents, state file + stream: nothing lost", value: ok ? 1 : 0, unit: "", target: "all", met: ok, note: check }));
  } finally {
    echo.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("throughput", main);
export { main };
