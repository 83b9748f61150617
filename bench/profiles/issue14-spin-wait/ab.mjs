// Paired A/B of figure 1 (black box, bench/blackbox.mjs's agent) between builds and shim settings, in
// alternating rounds against one mock provider: each round runs plain python once and every variant once
// (the order rotates), and reports each variant's added p50/p99 over that round's plain run.
// Usage: node ab.mjs ROUNDS CALLS name=REPO[:VAR=value,...] ...   (REPO: a checkout with dist/ built)
// Prints one line per round and the medians per variant; counts the rounds where each variant's
// added p50 is below the first variant's.
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BENCH_PY, PYTHON, tempDir } from "../../lib/env.mjs";
import { startMockProcess } from "../../lib/processes.mjs";
import { median, summary } from "../../lib/stats.mjs";

const [rounds, calls] = process.argv.slice(2, 4).map(Number);
const variants = process.argv.slice(4).map((arg) => {
  const [name, rest] = arg.split("=", 2).length === 2 ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, arg];
  const [repo, vars = ""] = rest.split(":");
  const env = Object.fromEntries(vars ? vars.split(",").map((kv) => kv.split("=")) : []);
  return { name, repo: resolve(repo), env };
});
const SCRIPT = join(BENCH_PY, "blackbox_calls.py");

/** One agent run: plain python when variant is null, else `iron run` of that variant's build. */
async function runOnce(variant, baseUrl) {
  const out = join(tempDir(), "out.json");
  const env = { BENCH_OUT: out, BENCH_BASE_URL: baseUrl, BENCH_CALLS: String(calls), BENCH_HEADERS: "{}", ...(variant?.env ?? {}) };
  const state = join(tempDir(), "state.db");
  const bin = variant && join(variant.repo, "dist", "cli", "bin.js");
  const [command, args] = variant ? ["node", [bin, "run", "--python", PYTHON, "-q", "--budget", "1000", "--state", state, SCRIPT]] : [PYTHON, [SCRIPT]];
  const result = await execa(command, args, { env, extendEnv: true, reject: false, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${variant?.name ?? "plain"}: agent failed (${result.exitCode}): ${result.stderr.slice(-500)}`);
  return summary(JSON.parse(readFileSync(out, "utf8")).samples);
}

const mock = await startMockProcess();
const added = Object.fromEntries(variants.map((v) => [v.name, { p50: [], p99: [] }]));
try {
  for (let r = 0; r < rounds; r += 1) {
    const order = [null, ...variants];
    for (let i = 0; i < r % order.length; i += 1) order.push(order.shift());
    const got = new Map();
    for (const v of order) got.set(v?.name ?? "plain", await runOnce(v, mock.baseUrl));
    const plain = got.get("plain");
    const cells = [`plain p50 ${plain.p50.toFixed(0)} p99 ${plain.p99.toFixed(0)}`];
    for (const v of variants) {
      const s = got.get(v.name);
      added[v.name].p50.push(s.p50 - plain.p50);
      added[v.name].p99.push(s.p99 - plain.p99);
      cells.push(`${v.name} +${(s.p50 - plain.p50).toFixed(0)}/+${(s.p99 - plain.p99).toFixed(0)}`);
    }
    console.log(`round ${r + 1} (${order.map((v) => v?.name ?? "plain").join(" ")}): ${cells.join("  ")}`);
  }
} finally {
  await mock.stop();
}
const first = variants[0].name;
for (const v of variants) {
  const a = added[v.name];
  const lower = a.p50.filter((x, i) => x < added[first].p50[i]).length;
  const lower99 = a.p99.filter((x, i) => x < added[first].p99[i]).length;
  console.log(
    `${v.name}: added p50 median ${median(a.p50).toFixed(0)} µs, p99 median ${median(a.p99).toFixed(0)} µs` +
      (v.name === first ? "" : `; p50 below ${first} in ${lower}/${rounds} rounds, p99 in ${lower99}/${rounds}`),
  );
}
