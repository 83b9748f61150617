// Runs under valgrind for count.mjs: a supervisor of the build at ROOT (default policies: safety on,
// a budget; MODE=state adds a SQLite state file and the event stream) with AGENTS agents running
// count_agent.py. Prints "pid N" once started; exits when the agents have.
// Usage: node sup-host.mjs ROOT SYNC_DIR AGENTS THREADS WARM CALLS MODE
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [root, sync, agents, threads, warm, calls, mode] = process.argv.slice(2);
const here = fileURLToPath(new URL(".", import.meta.url));
const { Supervisor } = await import(join(resolve(root), "dist", "index.js"));
const options = { decisionTimeoutMs: 600_000, budgetUsd: 1000 };
if (mode === "state") Object.assign(options, { state: join(sync, "state.db"), stream: { port: 0 } });
const sup = await Supervisor.start(options);
console.log(`pid ${process.pid}`);
const exits = [];
for (let i = 0; i < Number(agents); i++) {
  const agent = await sup.spawn({
    script: join(here, "count_agent.py"),
    python: "/usr/bin/python3",
    env: { BENCH_PY: join(here, "..", "..", "py"), COUNT_THREADS: threads, COUNT_WARM: warm, COUNT_CALLS: calls, COUNT_DIR: sync, COUNT_NAME: String(i) },
    echo: "prefixed",
  });
  exits.push(agent.exited);
}
const results = await Promise.all(exits);
await sup.close();
const failed = results.filter((r) => r.exitCode !== 0);
if (failed.length > 0) {
  console.error(`agents failed: ${failed.map((r) => r.reason).join("; ")}`);
  process.exit(1);
}
