// How much a supervised restart costs: N incarnations of a crashing agent under one supervisor
// (restart on-failure, no backoff) against N bare runs of the same script, in the same run.
// Prints ms per incarnation for both and their ratio. Usage: node bench/restart-cycle.mjs [N]
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Supervisor } from "../dist/index.js";

const n = Number(process.argv[2] ?? 10);
const script = fileURLToPath(new URL("../test/fixtures/exit_with.py", import.meta.url));

let started = performance.now();
for (let i = 0; i < n; i += 1) spawnSync("python3", [script, "1"], { stdio: "ignore" });
const bare = (performance.now() - started) / n;

const sup = await Supervisor.start();
started = performance.now();
const agent = await sup.spawn({ script, args: ["1"], maxRestarts: n - 1, backoff: { initialMs: 0, maxMs: 0 }, restartWindowMs: 3_600_000, minUptimeMs: 0 }); // every incarnation crashes at once: restarts, not a failed start
const exit = await agent.exited;
const supervised = (performance.now() - started) / n;
await sup.close();

console.log(`incarnations: ${n} (${exit.state} after ${exit.restarts} restarts)`);
console.log(`bare python run:        ${bare.toFixed(1)} ms`);
console.log(`supervised incarnation: ${supervised.toFixed(1)} ms (spawn, shim hello, exit, group drained, restart)`);
console.log(`ratio supervised/bare:  ${(supervised / bare).toFixed(2)}`);
