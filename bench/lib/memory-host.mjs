// Child process of bench/memory.mjs: a supervisor with N idle agents; prints its own RSS (MiB) once
// every agent is connected and the heap has settled (3 s; BENCH_SETTLE_MS). `--bare` prints the RSS of a Node process
// that only loaded iron (the baseline).
import { join } from "node:path";
import { Supervisor } from "../../dist/index.js";
import { BENCH_PY, PYTHON, rssMiB } from "./env.mjs";

const settle = () => new Promise((resolve) => setTimeout(resolve, Number(process.env.BENCH_SETTLE_MS ?? 3000)));

if (process.argv[2] === "--bare") {
  await settle();
  process.stdout.write(`${JSON.stringify({ rss: rssMiB(process.pid) })}\n`);
} else {
  const count = Number(process.argv[2]);
  const sup = await Supervisor.start();
  let ready = 0;
  const allReady = new Promise((resolve) => {
    if (count === 0) resolve();
    sup.on("event", (e) => e.type === "agent.output" && e.line === "ready" && ++ready === count && resolve());
  });
  const agents = [];
  for (let i = 0; i < count; i += 1) agents.push(await sup.spawn({ script: join(BENCH_PY, "idle_agent.py"), python: PYTHON }));
  await allReady;
  await settle();
  const running = agents.filter((a) => a.state === "running").length;
  process.stdout.write(`${JSON.stringify({ rss: rssMiB(process.pid), running, agentRss: agents.map((a) => rssMiB(a.pid)) })}\n`);
  await sup.close();
}
