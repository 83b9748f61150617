import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
const tree = process.argv[2];
const calls = process.argv[3] ?? "400";
const { Supervisor } = await import(`${tree}/dist/index.js`);
const { startMockProcess } = await import(`${tree}/bench/lib/processes.mjs`);
const mock = await startMockProcess();
const sup = await Supervisor.start({});
const out = join(tmpdir(), `iron-modes-${process.pid}.json`);
try {
  const agent = await sup.spawn({
    script: fileURLToPath(new URL("modes.py", import.meta.url)),
    python: "/usr/bin/python3",
    env: { BENCH_BASE_URL: mock.baseUrl, BENCH_CALLS: calls, BENCH_OUT: out, BENCH_PY: `${tree}/bench/py` },
    echo: "prefixed",
  });
  const exit = await agent.exited;
  if (exit.exitCode !== 0) throw new Error(`failed ${exit.reason}`);
} finally {
  await sup.close();
  await mock.stop();
}
const r = JSON.parse(readFileSync(out, "utf8"));
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
for (const m of ["ask", "release"]) {
  const x = r[m];
  console.log(
    `${m}: first p50 ${med(x.map((v) => v[0])).toFixed(0)} p99 ${pct(
      x.map((v) => v[0]),
      0.99,
    ).toFixed(0)}  last p50 ${med(x.map((v) => v[1])).toFixed(0)} p99 ${pct(
      x.map((v) => v[1]),
      0.99,
    ).toFixed(0)}  cpu p50 ${med(x.map((v) => v[2])).toFixed(0)} us`,
  );
}
const d = (k) => med(r.ask.map((v, i) => r.release[i][k] - v[k]));
console.log(
  `median per-call difference release-ask: first ${d(0).toFixed(0)} us, last ${d(1).toFixed(0)} us, cpu ${d(2).toFixed(0)} us; same text and events ${r.same_bytes}; chunk asks a call: ask ${(r.ask.reduce((a, v) => a + v[3], 0) / r.ask.length).toFixed(2)}, release ${(r.release.reduce((a, v) => a + v[3], 0) / r.release.length).toFixed(2)}`,
);
