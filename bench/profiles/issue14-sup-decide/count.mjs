// Supervisor instructions per governed call, counted by valgrind's callgrind (deterministic enough to
// compare builds on a loaded machine, where timings are not). The supervisor of ROOT's build runs under
// callgrind (sup-host.mjs) with AGENTS Python agents of THREADS callers each (count_agent.py). Every
// caller warms up with WARM calls; then the counters are zeroed, every caller makes CALLS calls
// (request decision + response report, as bench/py/throughput.py), and the counters are dumped before
// the agents leave. Prints one JSON line: instructions per call (all the supervisor's threads).
// Usage: node count.mjs ROOT [AGENTS=1] [THREADS=1] [WARM=300] [CALLS=1000] [MODE=memory|state] [OUT_DIR]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const [root, agents = "1", threads = "1", warm = "300", calls = "1000", mode = "memory", outArg] = process.argv.slice(2);
if (!root) throw new Error("usage: node count.mjs ROOT [AGENTS] [THREADS] [WARM] [CALLS] [memory|state] [OUT_DIR]");
const here = fileURLToPath(new URL(".", import.meta.url));
const sync = mkdtempSync(join(tmpdir(), "iron-count-"));
const out = outArg ? resolve(outArg) : sync;
const base = join(out, `callgrind.out.${Date.now()}`);
const child = spawn("valgrind", ["--tool=callgrind", "--dump-instr=no", `--callgrind-out-file=${base}`, "node", join(here, "sup-host.mjs"), resolve(root), sync, agents, threads, warm, calls, mode], {
  stdio: ["ignore", "pipe", "pipe"],
});
let stderr = "";
child.stderr.on("data", (c) => (stderr += c));
child.stdout.on("data", () => {});
const exited = new Promise((ok) => child.once("exit", ok));
const all = (prefix) => readdirSync(sync).filter((f) => f.startsWith(prefix)).length === Number(agents);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
async function until(test) {
  while (!test()) {
    if (child.exitCode !== null) throw new Error(`supervisor exited early: ${stderr.slice(-3000)}`);
    await sleep(100);
  }
}
// vgdb without its ptrace invoker (--max-invoke-ms=0): the command waits until the supervisor runs
// again (its timers wake it). Forcing a sleeping process with ptrace once left it deaf to its agent.
const control = (command) => {
  const r = spawnSync("vgdb", ["--max-invoke-ms=0", `--pid=${child.pid}`, command], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`vgdb ${command}: ${r.stdout}${r.stderr}`);
};
await until(() => all("warm-"));
control("zero");
writeFileSync(join(sync, "go"), "");
await until(() => all("done-"));
control("dump");
writeFileSync(join(sync, "end"), "");
const code = await exited;
if (code !== 0) throw new Error(`supervisor exited ${code}: ${stderr.slice(-3000)}`);
const dumps = readdirSync(out).filter((f) => join(out, f).startsWith(`${base}.`) && !f.endsWith(".annotated"));
// The first numbered dump is the one callgrind_control -d asked for (the final one comes at exit).
const dump = join(out, dumps.sort((a, b) => Number(a.split(".").pop()) - Number(b.split(".").pop()))[0]);
const text = readFileSync(dump, "utf8");
const total = Number(/^(?:summary|totals): (\d+)/m.exec(text)[1]);
// The main thread (the event loop: decisions, events, the store's main-thread work) apart from the
// others (V8's concurrent compiler and GC helpers, libuv's pool): the others swing with when a GC
// happens to deoptimize code and it is compiled again, so the main thread is the steadier figure.
const annotated = spawnSync("callgrind_annotate", ["--threshold=100", "--inclusive=yes", dump], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
const inclusive = (name) => Number((new RegExp(`^\\s*([\\d,]+) \\([^)]*\\)\\s+\\S*${name}`, "m").exec(annotated)?.[1] ?? "0").replaceAll(",", ""));
const main = inclusive("node::SpinEventLoopInternal");
const n = Number(agents) * Number(threads) * Number(calls);
const per = (x) => Math.round(x / n);
console.log(
  JSON.stringify({
    root: resolve(root),
    mode,
    agents: Number(agents),
    threads: Number(threads),
    calls: n,
    perCall: per(total),
    mainPerCall: per(main),
    otherThreadsPerCall: per(total - main),
    dump: existsSync(dump) ? dump : null,
  }),
);
