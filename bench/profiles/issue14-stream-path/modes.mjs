import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
const tree = process.argv[2];
const calls = process.argv[3] ?? "300";
const { Supervisor } = await import(`${tree}/dist/index.js`);
const { startMockProcess } = await import(`${tree}/bench/lib/processes.mjs`);
const mock = await startMockProcess();
const sup = await Supervisor.start({ allowUninstall: true });
const out = join(tmpdir(), `iron-modes-${process.pid}.json`);
try {
  const agent = await sup.spawn({
    script: fileURLToPath(new URL("modes.py", import.meta.url)),
    python: process.env.PYTHON ?? "/usr/bin/python3",
    env: { BENCH_BASE_URL: mock.baseUrl, BENCH_CALLS: calls, BENCH_OUT: out, BENCH_PY: `${tree}/bench/py`, MODES: process.env.MODES ?? "old,new", MODES_EXTRA: process.env.MODES_EXTRA ?? "" },
    echo: "prefixed",
  });
  const exit = await agent.exited;
  if (exit.exitCode !== 0) throw new Error(`failed ${exit.reason}`);
} finally {
  await sup.close();
  await mock.stop();
}
console.log(out);
