// One run of bench/py/shim_call_cost.py as an agent of REPO's supervisor, its Python under callgrind
// (vg-python.sh here). A startup timeout of 5 minutes: under valgrind the shim takes > 10 s to connect.
// Usage: node cgrun.mjs REPO CALLS OUTFILE   (count.sh runs it for 100 and 300 calls and subtracts)
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(process.argv[2]);
const here = dirname(fileURLToPath(import.meta.url));
const { Supervisor } = await import(join(repo, "dist", "index.js"));
const sup = await Supervisor.start({ startupTimeoutMs: 300_000, decisionTimeoutMs: 60_000, budgetUsd: 1000 });
const agent = await sup.spawn({
  script: join(repo, "bench/py/shim_call_cost.py"),
  python: join(here, "vg-python.sh"),
  env: { BENCH_CALLS: process.argv[3], VG_OUT: process.argv[4] },
  echo: "prefixed",
});
const exit = await agent.exited;
await sup.close();
if (exit.exitCode !== 0) {
  console.error("failed", exit.reason);
  process.exit(1);
}
