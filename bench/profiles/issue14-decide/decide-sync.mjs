// decideRequest + decideResponse in-process with the supervisor's default policies (--budget 1000,
// SQLite state file), base build against this one, interleaved round by round. Per pair it takes
// the wall time of both decisions (each awaited only when it is a promise, as the call governor
// does) and the CPU time per pair over the round.
//   ROOTS=/tmp/base,$PWD N=3000 ROUNDS=6 [BARE=1] node bench/profiles/issue14-decide/decide-sync.mjs
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const roots = (process.env.ROOTS ?? process.cwd()).split(",");
const N = Number(process.env.N ?? 3000);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const USER = "Hi, my order 48213-B was supposed to arrive on Tuesday but the tracking page has not changed since Sunday evening. Where is it?";

async function rig(root) {
  const m = (p) => import(join(root, "dist", p));
  const [{ PolicyEngine }, { createBuiltins }, { resolveSupervisorOptions }, { openStore }, { storeGuardPolicy }, wm] = await Promise.all([
    m("policy/engine.js"),
    m("supervisor/builtin-policies.js"),
    m("supervisor/options.js"),
    m("store/open-store.js"),
    m("policy/store-guard.js"),
    m("supervisor/wire-mapping.js"),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "hps-"));
  const options = resolveSupervisorOptions({ budgetUsd: 1000, state: join(dir, "s.db") });
  const store = await openStore(options.state);
  const ledger = store.budgets;
  const builtins = createBuiltins(options, { ledger, runOf: () => 1, publish: () => undefined, hashKey: Buffer.alloc(32, 7) });
  // BARE=1: the store guard and four trivial synchronous policies, to see the pipeline's own cost.
  const policies = process.env.BARE === "1" ? [...Array(4).keys()].map((k) => ({ name: `p${k}`, onRequest: () => undefined, onResponse: () => undefined })) : builtins.policies;
  const engine = new PolicyEngine({ builtins: [storeGuardPolicy(store), ...policies], ledger, warnAt: options.budgets.warnAt });
  return { root, engine, store, wm, n: 0, sync: 0 };
}

const message = (i) => ({
  call: `c${i}-${Math.random().toString(36).slice(2)}`,
  provider: "openai",
  endpoint: "chat.completions",
  model: "gpt-4o-mini",
  method: "POST",
  url: "http://127.0.0.1:40000/chat/completions",
  headers: { "content-type": "application/json" },
  body: { messages: [{ role: "user", content: `${USER} (ref ${i})` }], model: "gpt-4o-mini", max_tokens: 256 },
  stream: false,
  est_tokens: { input: 40, output: 256 },
  library: "urllib",
  attrs: {},
});
const response = (id, i) => ({
  call: id,
  status: 200,
  usage: { input_tokens: 40, output_tokens: 14, cached_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 0 },
  output: `Your parcel ${i} is on its way.`,
  body: { id: `x${i}`, choices: [{ index: 0, message: { role: "assistant", content: `Your parcel ${i} is on its way.` } }] },
  latency_ms: 3,
  stream: false,
  complete: true,
  error: null,
  request_id: null,
  model: "gpt-4o-mini",
});

async function round(r, n) {
  const us = new Float64Array(n);
  let cpu = 0;
  for (let k = 0; k < n; k++) {
    const i = r.n++;
    const msg = message(i);
    const res = response(msg.call, i);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const call = r.wm.toCall("agent-1", msg);
    let v0 = r.engine.decideRequest(call);
    if (v0 instanceof Promise) v0 = await v0;
    else r.sync += 1;
    let v1 = r.engine.decideResponse(v0.call ?? call, r.wm.toResult(res));
    if (v1 instanceof Promise) v1 = await v1;
    else r.sync += 1;
    us[k] = (performance.now() - t0) * 1000;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    if (v0.action === "deny" || v1.action === "deny") throw new Error(`denied: ${v0.reason ?? v1.reason}`);
    // A turn of the event loop between calls, as between two frames in the supervisor.
    await new Promise((res) => setImmediate(res));
  }
  return { us, cpu: cpu / n };
}

const rigs = [];
for (const root of roots) rigs.push(await rig(root));
for (const r of rigs) await round(r, 1500); // warm-up: encodings load, code is optimised
for (const r of rigs) r.sync = 0;
const acc = rigs.map(() => ({ us: [], cpu: [] }));
for (let k = 0; k < ROUNDS; k++) {
  const order = k % 2 === 0 ? rigs.entries() : [...rigs.entries()].reverse();
  for (const [j, r] of order) {
    const { us, cpu } = await round(r, N);
    acc[j].us.push(...us);
    acc[j].cpu.push(cpu);
  }
}
const q = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(p * (s.length - 1))];
};
for (const [j, r] of rigs.entries()) {
  const a = acc[j];
  console.log(r.root);
  console.log(
    `  req+resp wall µs p50 ${q(a.us, 0.5).toFixed(1)} p90 ${q(a.us, 0.9).toFixed(1)}  cpu µs/pair per round ${a.cpu.map((c) => c.toFixed(1)).join(" ")} (median ${q(a.cpu, 0.5).toFixed(1)})  sync answers ${r.sync}/${2 * N * ROUNDS}`,
  );
  r.store.close();
}
