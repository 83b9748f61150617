// Benchmark 5: memory. The supervisor's RSS idle and with 1, 10 and 50 idle agents (each measured in
// a fresh process, beside a Node process that only loaded iron), and what the shim adds to an agent
// (RSS of the same idle script with and without the shim, plain and with httpx imported).
import { execa } from "execa";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { BENCH_PY, IRON_BIN, PYTHON, REPO, SCALE, rssMiB, tempDir } from "./lib/env.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { median } from "./lib/stats.mjs";

const GROUP = "5 memory";
const HOST = join(REPO, "bench", "lib", "memory-host.mjs");
const REPS = SCALE < 0.5 ? 1 : 3;

/** Supervisor RSS with `arg` agents: the median of REPS fresh processes (GC timing moves one by MiBs). */
async function host(arg) {
  const got = [];
  for (let i = 0; i < REPS; i += 1) {
    const { stdout } = await execa("node", [HOST, arg], { timeout: 180_000 });
    got.push(JSON.parse(stdout.trim().split("\n").pop()));
  }
  const rss = median(got.map((g) => g.rss));
  return { rss, running: Math.min(...got.map((g) => g.running ?? 0)) };
}

/** RSS (MiB) of idle_agent.py once it says ready; with the shim it joins a supervisor as an agent. */
function agentRss(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(BENCH_PY, "idle_agent.py")], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", () => {
      setTimeout(() => {
        const rss = rssMiB(child.pid);
        child.kill("SIGKILL");
        resolve(rss);
      }, 300);
    });
    child.once("error", reject);
  });
}

/** REPS results of fn, one after the other. */
async function repeat(fn) {
  const got = [];
  for (let i = 0; i < REPS; i += 1) got.push(await fn());
  return got;
}

/** RSS (MiB) of `iron run` itself (default config: state file, stream, dashboard) with n idle agents. */
async function ironRunRss(n) {
  const scripts = Array.from({ length: n }, () => join(BENCH_PY, "idle_agent.py"));
  const child = spawn("node", [IRON_BIN, "run", "-q", "--python", PYTHON, "--state", join(tempDir(), "state.db"), ...scripts], { stdio: ["ignore", "pipe", "ignore"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await new Promise((resolve, reject) => {
      let ready = 0;
      child.stdout.on("data", (chunk) => {
        ready += String(chunk).split("ready").length - 1;
        if (ready >= n) resolve();
      });
      child.once("exit", (code) => reject(new Error(`iron run exited (${code}) before ${n} agents were ready`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return rssMiB(child.pid);
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

async function main() {
  const rows = [];
  progress(`supervisor: bare Node, idle, 1, 10 and 50 agents (median of ${REPS} fresh processes each)`);
  const bare = await host("--bare");
  const idle = await host("0");
  rows.push(
    row({ group: GROUP, figure: "supervisor RSS, idle", value: idle.rss, unit: "MiB", baseline: "Node process with iron loaded", baselineValue: bare.rss, target: "≤ 80 MiB", met: idle.rss <= 80 }),
  );
  for (const n of SCALE < 0.5 ? [1, 10] : [1, 10, 50]) {
    const loaded = await host(String(n));
    if (loaded.running !== n) throw new Error(`only ${loaded.running} of ${n} agents were running`);
    const target = n === 10 ? { target: "≤ 100 MiB", met: loaded.rss <= 100 } : {};
    rows.push(
      row({
        group: GROUP,
        figure: `supervisor RSS, ${n} agent(s)`,
        value: loaded.rss,
        unit: "MiB",
        baseline: "supervisor idle",
        baselineValue: idle.rss,
        ...target,
        note: `${((loaded.rss - idle.rss) / n).toFixed(2)} MiB per agent`,
      }),
    );
  }
  progress("iron run (state file, stream, dashboard): 1 and 10 idle agents");
  const run1 = median(await repeat(() => ironRunRss(1)));
  const run10 = median(await repeat(() => ironRunRss(10)));
  rows.push(
    row({
      group: GROUP,
      figure: "iron run RSS, 1 idle agent (default config)",
      value: run1,
      unit: "MiB",
      baseline: "Node process with iron loaded",
      baselineValue: bare.rss,
      target: "≤ 80 MiB",
      met: run1 <= 80,
    }),
  );
  rows.push(
    row({
      group: GROUP,
      figure: "iron run RSS, 10 idle agents (default config)",
      value: run10,
      unit: "MiB",
      baseline: "iron run, 1 agent",
      baselineValue: run1,
      target: "≤ 100 MiB",
      met: run10 <= 100,
    }),
  );
  progress("agent: idle script with and without the shim (it joins a live supervisor)");
  const { Supervisor } = await import("../dist/index.js");
  const sup = await Supervisor.start();
  try {
    const runs = 5;
    for (const [label, extra] of [
      ["plain", {}],
      ["importing httpx", { BENCH_IMPORT_HTTPX: "1" }],
    ]) {
      const without = [];
      const withShim = [];
      for (let i = 0; i < runs; i += 1) {
        const agent = await sup.spawn({ script: join(BENCH_PY, "idle_agent.py"), python: PYTHON, env: extra });
        await new Promise((resolve) => sup.on("event", (e) => e.type === "agent.output" && e.agentId === agent.id && e.line === "ready" && resolve()));
        await new Promise((resolve) => setTimeout(resolve, 300));
        withShim.push(rssMiB(agent.pid));
        await agent.stop();
        without.push(await agentRss({ ...extra, PYTHONPATH: BENCH_PY }));
      }
      rows.push(
        row({
          group: GROUP,
          figure: `agent RSS with the shim (${label}), median`,
          value: median(withShim),
          unit: "MiB",
          baseline: "same script without the shim",
          baselineValue: median(without),
          note: `shim adds ${(median(withShim) - median(without)).toFixed(1)} MiB`,
        }),
      );
    }
  } finally {
    await sup.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("memory", main);
export { main };
