// Processes the benchmarks start: the mock provider (its own process, like a remote API) and Python.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_PY, IRON_BIN, PYTHON, tempDir } from "./env.mjs";

/** Starts `iron mock-llm` in its own process; resolves with its base URL and a stop function. */
export async function startMockProcess(args = []) {
  const child = execa("node", [IRON_BIN, "mock-llm", "--quiet", ...args], { reject: false, stdin: "ignore", stderr: "ignore" });
  const baseUrl = await new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const line = text.split("\n")[0];
      if (text.includes("\n")) resolve(line.trim());
    });
    child.once("exit", () => reject(new Error("mock-llm exited before printing its URL")));
  });
  return {
    baseUrl,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGTERM");
      await child;
    },
  };
}

/** Runs a bench/py script with plain Python (no shim); resolves with what it wrote to BENCH_OUT. */
export async function runPlainPython(script, env = {}) {
  const out = join(tempDir(), "out.json");
  const result = await execa(PYTHON, [join(BENCH_PY, script)], { env: { ...env, BENCH_OUT: out, PYTHONPATH: BENCH_PY }, extendEnv: true, reject: false, stdout: "ignore", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${script} failed (${result.exitCode}): ${result.stderr}`);
  return JSON.parse(readFileSync(out, "utf8"));
}

/** Runs a bench/py script as an agent of `sup` (shim injected); resolves with what it wrote to BENCH_OUT. */
export async function runAgentPython(sup, script, env = {}) {
  const out = join(tempDir(), "out.json");
  const agent = await sup.spawn({ script: join(BENCH_PY, script), python: PYTHON, env: { ...env, BENCH_OUT: out }, echo: "prefixed" });
  const exit = await agent.exited;
  if (exit.exitCode !== 0) throw new Error(`${script} failed: ${exit.reason}`);
  return JSON.parse(readFileSync(out, "utf8"));
}
