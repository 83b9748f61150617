// What joining costs a Python process: interpreter start-up in a venv with iron-shim
// pip-installed (its iron_shim.pth runs at every start) with IRON_ENDPOINT unset, and with it
// set to a running supervisor (import, install, background connect, bye at exit), against an
// identical venv whose iron_shim.pth was removed — runs interleaved, in the same run, so load on
// the machine hits both alike; plus install(wait=True) until the welcome, then uninstall().
// Prints ms per start (median) and ratios. Usage: npm run build && node bench/join-startup.mjs [N]
import { execa } from "execa";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Supervisor } from "../dist/index.js";

const n = Number(process.argv[2] ?? 40);
const python = process.env.PYTHON ?? "python3";
const shim = fileURLToPath(new URL("../python", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "iron-bench-"));

// Asynchronous on purpose: the supervisor runs in this process and must answer while Python runs.
const run = async (cmd, args, env = {}) => (await execa(cmd, args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, extendEnv: false })).stdout;

async function venv(name) {
  const path = join(dir, name);
  await run(python, ["-m", "venv", path]);
  await run(join(path, "bin", "pip"), ["install", "--quiet", "--no-index", "--no-build-isolation", "--disable-pip-version-check", shim]);
  const py = join(path, "bin", "python");
  const site = (await run(py, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])).trim();
  return { py, site };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(py, env) {
  const started = performance.now();
  await run(py, ["-c", "pass"], env);
  return performance.now() - started;
}

const bare = await venv("bare");
rmSync(join(bare.site, "iron_shim.pth"));
const withPth = await venv("with-pth");
const sup = await Supervisor.start({ joinToken: true });
const joinEnv = { IRON_ENDPOINT: sup.endpoint, IRON_TOKEN: sup.joinToken };

const samples = { bare: [], unset: [], joined: [] };
const cases = [
  ["bare", bare.py, {}],
  ["unset", withPth.py, {}],
  ["joined", withPth.py, joinEnv],
];
for (let i = 0; i < n; i += 1) {
  // A different order each round, so whatever a run leaves behind (the supervisor answering a
  // bye, the page cache) does not always fall on the same case.
  for (let k = 0; k < cases.length; k += 1) {
    const [name, py, env] = cases[(i + k) % cases.length];
    samples[name].push(await timed(py, env));
  }
}
// The line itself, timed inside the interpreter: what the .pth adds to every start when unset.
const line = (await run(withPth.py, ["-c", "import sysconfig, os; print(open(os.path.join(sysconfig.get_paths()['purelib'], 'iron_shim.pth')).read())"])).trim();
const lineUs = await run(withPth.py, ["-c", `import timeit; print(timeit.timeit(${JSON.stringify(line)}, number=100000) * 10)`]);
const install = await run(withPth.py, [
  "-c",
  `import time, iron_shim
t = time.perf_counter()
for i in range(${n}):
    iron_shim.install(endpoint=${JSON.stringify(sup.endpoint)}, token=${JSON.stringify(sup.joinToken)}, agent="bench")
    iron_shim.uninstall()
print((time.perf_counter() - t) * 1000 / ${n})`,
]);
await sup.close();
rmSync(dir, { recursive: true, force: true });

const [b, u, j] = [median(samples.bare), median(samples.unset), median(samples.joined)];
console.log(`interpreter starts: ${n} of each, interleaved, median (${python})`);
console.log(`venv without iron_shim.pth:               ${b.toFixed(1)} ms`);
console.log(`with iron_shim.pth, IRON_ENDPOINT unset:  ${u.toFixed(1)} ms  ratio ${(u / b).toFixed(3)}`);
console.log(`with iron_shim.pth, joining a supervisor: ${j.toFixed(1)} ms  ratio ${(j / b).toFixed(2)} (import, install, connect, hello/welcome, bye at exit)`);
console.log(`the iron_shim.pth line itself, IRON_ENDPOINT unset: ${Number(lineUs).toFixed(2)} µs`);
console.log(`install(wait=True) until the welcome, then uninstall(): ${Number(install).toFixed(2)} ms`);
