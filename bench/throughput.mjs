// Benchmark 3: governed calls per second (request + response decisions, no HTTP) with 1, 8 and 64
// concurrent callers spread over 1 and 8 agents, beside the same callers doing two raw AF_UNIX echo
// round trips per call; and where the CPU goes (supervisor vs agents) to say which side saturates.
import { createServer } from "node:net";
import { join } from "node:path";
import { Supervisor } from "../dist/index.js";
import { SCALE, tempDir } from "./lib/env.mjs";
import { runAgentPython } from "./lib/processes.mjs";
import { progress, row, runBench } from "./lib/report.mjs";

const GROUP = "3 throughput";
const SHAPES = [[1, 1], [8, 1], [64, 1], [8, 8], [64, 8]]; // [callers, agents]

/** Runs `agents` agents with callers split among them for `seconds`; returns calls/s and CPU use. */
async function measure(sup, { callers, agents, seconds, mode, echoPath }) {
  const startAt = Date.now() / 1000 + 2 + agents * 0.3; // every agent connected and waiting by then
  const per = Array.from({ length: agents }, (_, i) => Math.floor(callers / agents) + (i < callers % agents ? 1 : 0));
  let cpuAtStart = null;
  const startTimer = setTimeout(() => (cpuAtStart = process.cpuUsage()), startAt * 1000 - Date.now());
  let supervisorCpu = 0;
  const endTimer = setTimeout(() => {
    const used = process.cpuUsage(cpuAtStart ?? undefined);
    supervisorCpu = (used.user + used.system) / 1e6;
  }, (startAt + seconds) * 1000 - Date.now());
  const results = await Promise.all(
    per.map((threads) => runAgentPython(sup, "throughput.py", { BENCH_THREADS: String(threads), BENCH_START_AT: String(startAt), BENCH_SECONDS: String(seconds), BENCH_MODE: mode, BENCH_ECHO_PATH: echoPath })),
  );
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  const calls = results.reduce((t, r) => t + r.calls, 0);
  const agentCpu = results.reduce((t, r) => t + r.cpu, 0);
  return { rate: calls / seconds, supervisorCpu: supervisorCpu / seconds, agentCpu: agentCpu / seconds };
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
      rows.push(row({ group: GROUP, figure: `${callers} callers / ${agents} agent(s): governed calls/s`, value: governed.rate, unit: "/s", baseline: "2 raw AF_UNIX echoes per call", baselineValue: raw.rate, note: `CPU: supervisor ${(100 * governed.supervisorCpu).toFixed(0)}% of a core, agents ${(100 * governed.agentCpu).toFixed(0)}%` }));
      rows.push(row({ group: GROUP, figure: `${callers} callers / ${agents} agent(s): supervisor CPU, % of a core`, value: 100 * governed.supervisorCpu, unit: "%", baseline: "agents' CPU (all processes)", baselineValue: 100 * governed.agentCpu }));
    }
  } finally {
    await sup.close();
    echo.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench("throughput", main);
export { main };
