// The decision path in-process as the supervisor runs it (default config, --budget 1000,
// SQLite state file), step by step. ROOTS=dirA,dirB alternates builds; prints p50/p90 per step.
//   ROOTS=/tmp/base,$PWD N=2000 ROUNDS=3 node bench/profiles/issue14-decide/decide-steps.mjs
// (each ROOT a built checkout: dist/ is imported from it; builds alternate round by round)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const roots = (process.env.ROOTS ?? process.cwd()).split(",");
const N = Number(process.env.N ?? 3000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SYSTEM = "You are a careful assistant for a logistics company. Answer briefly, cite the order id, and never invent tracking numbers. If the question is not about an order, say so politely.";
const USER =
  "Hi, my order 48213-B was supposed to arrive on Tuesday but the tracking page has not changed since Sunday evening. Can you tell me where it is and whether I should expect it this week? Thanks!";

async function rig(root) {
  const m = (p) => import(join(root, "dist", p));
  const [{ PolicyEngine }, { createBuiltins }, { resolveSupervisorOptions }, { openStore }, { storeGuardPolicy }, wm, bs] = await Promise.all([
    m("policy/engine.js"),
    m("supervisor/builtin-policies.js"),
    m("supervisor/options.js"),
    m("store/open-store.js"),
    m("policy/store-guard.js"),
    m("supervisor/wire-mapping.js"),
    m("supervisor/budget-status.js"),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "hpd-"));
  const options = resolveSupervisorOptions({ budgetUsd: 1000, state: join(dir, "s.db") });
  const store = await openStore(options.state);
  const ledger = store.budgets;
  const builtins = createBuiltins(options, { ledger, runOf: () => 1, publish: () => undefined, hashKey: Buffer.alloc(32, 7) });
  const engine = new PolicyEngine({ builtins: [storeGuardPolicy(store), ...builtins.policies], ledger, warnAt: options.budgets.warnAt });
  const status = (id) => bs.budgetStatus(builtins.plan, ledger, id, 1, Date.now());
  return { root, engine, store, wm, status, n: 0 };
}

function message(i) {
  return {
    call: `c${i}-${Math.random().toString(36).slice(2)}`,
    provider: "openai",
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    method: "POST",
    url: "http://127.0.0.1:40000/chat/completions",
    headers: { "content-type": "application/json" },
    body: {
      messages: [
        { role: "system", content: SYSTEM },
        { role: "user", content: `${USER} (ref ${i})` },
      ],
      model: "gpt-4o-mini",
      max_tokens: 256,
      temperature: 0.2,
    },
    stream: false,
    est_tokens: { input: 120, output: 256 },
    library: "urllib",
    attrs: {},
  };
}
function response(id, i) {
  const text = `Your parcel ${i} is on its way and should arrive tomorrow.`;
  return {
    call: id,
    status: 200,
    usage: { input_tokens: 80, output_tokens: 14, cached_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 0 },
    output: text,
    body: { id: `chatcmpl-${i}`, object: "chat.completion", model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }] },
    latency_ms: 3,
    stream: false,
    complete: true,
    error: null,
    request_id: null,
    model: "gpt-4o-mini",
  };
}

const STEPS = ["decideReq", "durable", "budget", "toDecision", "decideResp", "budget2", "cpuPerCall"];
async function round(r, n) {
  const rows = STEPS.map(() => new Float64Array(n));
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < n; k++) {
    const i = r.n++;
    const msg = message(i);
    const t0 = performance.now();
    const call = r.wm.toCall("agent-1", msg);
    const v0 = await r.engine.decideRequest(call);
    const t1 = performance.now();
    const w = v0.action === "deny" || v0.micros === 0 ? null : r.store.holdsDurable?.();
    if (w) await w;
    const t2 = performance.now();
    const b = r.status("agent-1");
    const t3 = performance.now();
    const d = { ...r.wm.toDecision(call.id, v0), budget: b };
    const t4 = performance.now();
    if (d.action === "deny") throw new Error(`denied: ${d.reason}`);
    const v1 = await r.engine.decideResponse(v0.call ?? call, r.wm.toResult(response(call.id, i)));
    const t5 = performance.now();
    const d2 = { ...r.wm.toDecision(call.id, v1), budget: r.status("agent-1") };
    const t6 = performance.now();
    if (d2.action === "deny") throw new Error("deny resp");
    const t = [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5];
    for (let s = 0; s < t.length; s++) rows[s][k] = t[s] * 1000;
    // A turn of the event loop between calls, as between two frames in the supervisor.
    await new Promise((res) => setImmediate(res));
  }
  const cpu = process.cpuUsage(cpu0);
  rows[6].fill((cpu.user + cpu.system) / n);
  return rows;
}

const rigs = [];
for (const root of roots) rigs.push(await rig(root));
for (const r of rigs) await round(r, 1500); // warm-up, encodings load
const acc = rigs.map(() => STEPS.map(() => []));
for (let k = 0; k < ROUNDS; k++)
  for (const [j, r] of rigs.entries()) {
    const rows = await round(r, N);
    for (const [s, row] of rows.entries()) acc[j][s].push(...row);
  }
const q = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(p * (s.length - 1))];
};
for (const [j, r] of rigs.entries()) {
  console.log(r.root);
  console.log(`  ${STEPS.map((s, i) => `${s} ${q(acc[j][i], 0.5).toFixed(1)}/${q(acc[j][i], 0.9).toFixed(1)}`).join("  ")}`);
  r.store.close();
}
