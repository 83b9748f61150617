// Where a streamed call's added time goes (issue 14, "Streams"): the agent (bench/py/stream_stages.py)
// times every supervisor round trip of each streamed call; this side times the governor's work on the
// same messages (wall clock, so both sides line up). Prints medians per stage, with and without iron.
//   npm run build && node bench/stream-stages.mjs [calls] [httpx|urllib|aiohttp] [--no-output-safety] [--dump samples.json]
import { writeFileSync } from "node:fs";
import { Supervisor } from "../dist/index.js";
import { CallGovernor } from "../dist/supervisor/call-governor.js";
import { runAgentPython, startMockProcess } from "./lib/processes.mjs";

const calls = Number(process.argv[2] ?? 300);
const lib = process.argv[3] ?? "httpx";
const quietOutput = process.argv.includes("--no-output-safety");
const wall = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const inGovernor = new Map(); // message id -> [entered, left] (µs)
for (const method of ["request", "chunk", "response"]) {
  const original = CallGovernor.prototype[method];
  CallGovernor.prototype[method] = function (agentId, message) {
    const entered = wall();
    const out = original.call(this, agentId, message);
    const done = () => inGovernor.set(message.id, [entered, wall()]);
    if (out instanceof Promise) return out.finally(done);
    done();
    return out;
  };
}
const mock = await startMockProcess();
const config = quietOutput ? { safety: { output: { default: "allow" } } } : {};
const sup = await Supervisor.start({ allowUninstall: true, ...config });
let samples;
try {
  samples = await runAgentPython(sup, "stream_stages.py", { BENCH_BASE_URL: mock.baseUrl, BENCH_CALLS: String(calls), BENCH_LIB: lib });
} finally {
  await sup.close();
  await mock.stop();
}
const median = (xs) => {
  const s = xs.filter((x) => x !== undefined && x !== null).sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.floor(s.length / 2)];
};
const fmt = (us) => (us === null ? "–" : `${(us / 1000).toFixed(3)} ms`);
const dumpAt = process.argv.indexOf("--dump");
if (dumpAt > 0) writeFileSync(process.argv[dumpAt + 1], JSON.stringify(samples));
const iron = samples.filter((s) => s.side === "iron");
const plain = samples.filter((s) => s.side === "plain");
console.log(`${lib}, ${iron.length} streamed calls each side${quietOutput ? ", output safety off" : ""}`);
console.log(`  without iron: first chunk ${fmt(median(plain.map((s) => s.first)))}, last ${fmt(median(plain.map((s) => s.last)))}`);
console.log(`  with iron:    first chunk ${fmt(median(iron.map((s) => s.first)))}, last ${fmt(median(iron.map((s) => s.last)))}`);
for (const [side, group] of [
  ["with iron", iron],
  ["without iron", plain],
]) {
  console.log(` ${side}:`);
  const kinds = new Map();
  for (const s of group) {
    const perCall = new Map();
    for (const m of s.trace) {
      const kind = m.type + (m.posted !== undefined ? " (posted)" : "");
      perCall.set(kind, (perCall.get(kind) ?? 0) + 1);
      const g = inGovernor.get(m.id);
      const entry = kinds.get(kind) ?? { n: 0, calls: 0, sent: [], rt: [], toGov: [], gov: [], fromGov: [], post: [] };
      entry.n += 1;
      entry.sent.push(m.sent);
      if (m.answered !== undefined) entry.rt.push(m.answered - m.sent);
      if (m.posted !== undefined) entry.post.push(m.posted - m.sent);
      if (g !== undefined) {
        entry.toGov.push(g[0] - (s.t0 + m.sent));
        entry.gov.push(g[1] - g[0]);
        if (m.answered !== undefined) entry.fromGov.push(s.t0 + m.answered - g[1]);
      }
      kinds.set(kind, entry);
    }
    for (const kind of perCall.keys()) kinds.get(kind).calls += 1;
  }
  for (const [kind, e] of kinds) {
    console.log(
      `  ${kind.padEnd(22)} ${(e.n / group.length).toFixed(2)}/call  at ${fmt(median(e.sent))}  round trip ${fmt(median(e.rt))}` +
        `  (shim→governor ${fmt(median(e.toGov))}, governor ${fmt(median(e.gov))}, governor→shim ${fmt(median(e.fromGov))})` +
        (e.post.length > 0 ? `  post() ${fmt(median(e.post))}` : ""),
    );
  }
}
