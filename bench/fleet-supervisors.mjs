// Whole supervisors in a fleet: `iron run` processes (each with a budget, so every call reserves
// and settles) whose agent (bench/py/throughput.py) makes governed calls — request and response
// decisions, no HTTP — from THREADS threads for SECONDS, all started together. Three supervisors on
// one PostgreSQL database against one supervisor on a SQLite state file, in the same run: decisions
// per second, and each call's round trip (the latency a decision adds, as the agent's threads see it).
import { execa } from "execa";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_PY, IRON_BIN, PYTHON, tempDir } from "./lib/env.mjs";

/** Runs one supervisor per state location, each with one agent of `threads` callers; returns the fleet's figures. */
async function runFleet(states, seconds, threads) {
  const go = join(tempDir(), "go");
  const members = states.map((state) => {
    const out = join(tempDir(), "out.json");
    const child = execa("node", [IRON_BIN, "run", "--state", state, "--budget", "1000", "--no-stream", "--python", PYTHON, join(BENCH_PY, "throughput.py")], {
      env: { BENCH_THREADS: String(threads), BENCH_GO: go, BENCH_SECONDS: String(seconds), BENCH_OUT: out, PYTHONPATH: BENCH_PY },
      reject: false,
      buffer: false,
      stdin: "ignore",
      stderr: "pipe",
    });
    let err = "";
    child.stderr.on("data", (chunk) => (err += chunk));
    const ready = new Promise((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (chunk) => {
        text += chunk;
        if (/(^|\n)ready\n/.test(text)) resolve();
      });
      void child.then((r) => reject(new Error(`iron run exited (${r.exitCode}) before its agent was ready: ${err}`)));
    });
    return { child, out, ready, err: () => err };
  });
  await Promise.all(members.map((m) => m.ready));
  const startAt = Date.now() + 300;
  writeFileSync(`${go}.tmp`, String(startAt / 1000));
  renameSync(`${go}.tmp`, go);
  const results = await Promise.all(
    members.map(async (m) => {
      const r = await m.child;
      if (r.exitCode !== 0) throw new Error(`iron run exited ${r.exitCode}: ${m.err()}`);
      return JSON.parse(readFileSync(m.out, "utf8"));
    }),
  );
  const calls = results.reduce((t, r) => t + r.calls, 0);
  // Every thread calls back to back: its mean round trip is the window over its calls.
  const roundTripUs = (1e6 * seconds * threads * states.length) / Math.max(1, calls);
  return { decisionsPerSecond: (2 * calls) / seconds, roundTripUs };
}

/** Measures both set-ups and prints one line per figure, each with its SQLite baseline and the ratio. */
export async function benchSupervisors(helper, server, { seconds = 3, threads = 4 } = {}) {
  const sqlite = await runFleet([join(tempDir(), "state.db")], seconds, threads);
  const url = await helper.createTestDatabase(server.url, "iron_bench");
  const three = await runFleet([url, url, url], seconds, threads);
  const ratio = (a, b) => `x${(a / b).toFixed(2)}`;
  console.log(
    `fleet: supervisors: ${Math.round(three.decisionsPerSecond)} decisions/s across 3 iron run on PostgreSQL vs ${Math.round(sqlite.decisionsPerSecond)} with one on SQLite (${ratio(three.decisionsPerSecond, sqlite.decisionsPerSecond)}); ${threads} callers per agent, ${seconds} s`,
  );
  console.log(
    `fleet: supervisors: a governed call's round trip ${three.roundTripUs.toFixed(0)} µs in the 3-supervisor fleet vs ${sqlite.roundTripUs.toFixed(0)} µs with one on SQLite (${ratio(three.roundTripUs, sqlite.roundTripUs)}; 3x the callers on the same cores)`,
  );
}
