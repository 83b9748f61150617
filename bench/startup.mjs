// Benchmark 4: start-up cost of the shim — `python -c pass` and an agent importing httpx, with and
// without the shim (same interpreter, same way of starting it), and the time from `iron run` to the
// agent's first line beside the same script started by python directly.
import { execa } from "execa";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Supervisor } from "../dist/index.js";
import { BENCH_PY, IRON_BIN, PYTHON, SCALE, SHIM_PYTHONPATH, tempDir } from "./lib/env.mjs";
import { progress, row, runBench } from "./lib/report.mjs";
import { median } from "./lib/stats.mjs";

const GROUP = "4 start-up";

/** Milliseconds from spawning `command args` to its exit. */
async function timeToExit(command, args, env) {
  const started = performance.now();
  const result = await execa(command, args, { env, extendEnv: false, reject: false });
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return performance.now() - started;
}

/**
 * Milliseconds from spawning `command args` to the first line on its stdout; resolves once the
 * process has exited too, so the next run never meets this one still holding the state file.
 */
function timeToFirstLine(command, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let firstLine = null;
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("data", (chunk) => {
      if (firstLine === null && String(chunk).includes("\n")) firstLine = performance.now() - started;
    });
    child.once("exit", (code) => (firstLine !== null ? resolve(firstLine) : reject(new Error(`exited ${code} before a line: ${stderr.trim().slice(-300)}`))));
  });
}

async function main() {
  const runs = Math.max(5, Math.round(20 * SCALE));
  const base = { PATH: process.env.PATH, HOME: process.env.HOME ?? "/root", LANG: "C.UTF-8" };
  const sup = await Supervisor.start();
  const rows = [];
  try {
    // A long-lived agent hands out its endpoint and token: short-lived interpreters join with them.
    const envFile = join(tempDir(), "env.json");
    const host = await sup.spawn({ script: join(BENCH_PY, "idle_agent.py"), python: PYTHON, env: { BENCH_ENV_OUT: envFile } });
    await new Promise((resolve) => sup.on("event", (e) => e.type === "agent.output" && e.agentId === host.id && resolve()));
    const joined = { ...base, ...JSON.parse(readFileSync(envFile, "utf8")), PYTHONPATH: SHIM_PYTHONPATH };
    const cases = [
      ["python -c pass", ["-c", "pass"]],
      ["python -c 'import httpx'", ["-c", "import httpx"]],
    ];
    for (const [label, args] of cases) {
      progress(`${label}: ${runs} runs each, alternating with and without the shim`);
      const without = [];
      const withShim = [];
      for (let i = 0; i < runs; i += 1) {
        without.push(await timeToExit(PYTHON, args, base));
        withShim.push(await timeToExit(PYTHON, args, joined));
      }
      const w = median(withShim);
      const wo = median(without);
      const target = args[1] === "pass" ? { target: "+ ≤ 30 ms", met: w - wo <= 30 } : {};
      rows.push(
        row({ group: GROUP, figure: `${label} with the shim, median`, value: w, unit: "ms", baseline: "without the shim", baselineValue: wo, ...target, note: `added ${(w - wo).toFixed(1)} ms` }),
      );
    }
    progress(`iron run → first line: ${runs} runs, alternating with python directly`);
    const script = join(BENCH_PY, "first_line.py");
    // One state file for every run (the first creates it), outside the repo's .iron/.
    const state = join(tempDir(), "state.db");
    const direct = [];
    const viaIron = [];
    for (let i = 0; i < runs; i += 1) {
      direct.push(await timeToFirstLine(PYTHON, [script], base));
      viaIron.push(await timeToFirstLine("node", [IRON_BIN, "run", "--python", PYTHON, "-q", "--state", state, script], base));
    }
    const added = median(viaIron) - median(direct);
    rows.push(
      row({
        group: GROUP,
        figure: "iron run → agent's first line, median",
        value: median(viaIron),
        unit: "ms",
        baseline: "python script.py → first line",
        baselineValue: median(direct),
        target: "+ ≤ 250 ms",
        met: added <= 250,
        note: `added ${added.toFixed(1)} ms`,
      }),
    );
  } finally {
    await sup.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("startup", main);
export { main };
