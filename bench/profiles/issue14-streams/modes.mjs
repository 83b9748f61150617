// Paired per-call A/B of the stream modes in one agent (issue 14 figure 3, session 2): "legacy" (the old
// read-ahead structure, through the same tap) against "pipe" (read_ahead.Pipeline). Prints medians and
// the median of per-call differences.   node bench/profiles/issue14-streams/modes.mjs [calls] [legacy,pipe] [chunk-delay-ms]
import { Supervisor } from "../../../dist/index.js";
import { runAgentPython, startMockProcess } from "../../lib/processes.mjs";
import { join } from "node:path";
const delay = process.argv[4];
const mock = await startMockProcess(delay ? ["--chunk-delay-ms", delay] : []);
const sup = await Supervisor.start({});
let r;
try {
  r = await runAgentPython(sup, join("..", "profiles", "issue14-streams", "modes.py"), {
    BENCH_BASE_URL: mock.baseUrl,
    BENCH_CALLS: process.argv[2] ?? "600",
    MODES: process.argv[3] ?? "legacy,pipe",
  });
} finally {
  await sup.close();
  await mock.stop();
}
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
for (const [m, xs] of Object.entries(r)) {
  console.log(
    `${m.padEnd(7)} n=${xs.length} first p50 ${(med(xs.map((x) => x[0])) / 1000).toFixed(3)} ms, last p50 ${(med(xs.map((x) => x[1])) / 1000).toFixed(3)} ms, cpu p50 ${(med(xs.map((x) => x[2])) / 1000).toFixed(3)} ms, asks avg ${(xs.reduce((a, x) => a + x[3], 0) / xs.length).toFixed(2)}`,
  );
}
const modes = Object.keys(r);
for (let i = 1; i < modes.length; i++) {
  const d = r[modes[i]].map((x, k) => x[1] - r[modes[0]][k][1]);
  console.log(`paired last ${modes[i]} - ${modes[0]}: median ${(med(d) / 1000).toFixed(3)} ms`);
}
