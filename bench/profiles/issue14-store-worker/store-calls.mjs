// The state file's share of a governed call, alone and in one process (less noisy than the whole
// throughput bench on a shared machine): per call a reserve, the call's events as the governor
// publishes them (request, request decision, response decision, response, and a budget.update
// every other call), a settle; ~24 calls per group commit, as 64 callers give at ~5 000 calls/s.
// Prints CPU µs per call: of the whole process (process.cpuUsage: user + system, worker threads
// included) and of the main thread alone (/proc/self/task/PID/stat: what a decision waits behind).
// A copy of ../issue14-throughput2/store-calls.mjs with the main thread's share added.
// Usage: node store-calls.mjs REPO [calls=40000]
import { join, resolve } from "node:path";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";

const repo = resolve(process.argv[2] ?? ".");
const calls = Number(process.argv[3] ?? 40_000);
const { EventBus } = await import(join(repo, "dist", "events", "bus.js"));
const { SqliteStore } = await import(join(repo, "dist", "store", "sqlite", "sqlite-store.js"));
const store = SqliteStore.open(join(mkdtempSync(join(tmpdir(), "hpt-store-")), "state.db"));
const bus = new EventBus(store.sink);
let delivered = 0;
bus.subscribe(() => (delivered += 1));
store.budgets.setLimit("global", 1e15);
const PER_BATCH = Number(process.env.PER_BATCH ?? 24);
// Call ids as the shim makes them (random), so the ledger index is written where a real run writes it.
const ids = Array.from({ length: calls }, () => `c-${randomBytes(8).toString("hex")}`);
const attrs = {};
// The main thread's user + system CPU in µs (clock ticks of 10 ms; the runs last seconds).
const mainCpu = () => {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
};
const main0 = mainCpu();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let published = 0;
for (let i = 0; i < calls; i += PER_BATCH) {
  // Calls in flight: the requests of this group, the responses of the group before (a call spans two batches half the time).
  for (let k = i; k < i + PER_BATCH && k < calls; k += 1) {
    const agentId = `throughput-${k % 8}`;
    const callId = ids[k];
    store.budgets.reserve(callId, ["global"], 400);
    bus.publish({
      type: "llm.request",
      agentId,
      callId,
      provider: "openai",
      endpoint: "chat.completions",
      model: "gpt-4o-mini",
      stream: false,
      estimatedInputTokens: 40,
      maxOutputTokens: 256,
      library: "httpx",
      attrs,
    });
    bus.publish({ type: "llm.decision", agentId, callId, phase: "request", action: "allow", policy: null, code: null, reason: null, status: null, micros: 400, ms: 0.05, attrs });
    published += 2;
    if (k % 2 === 0) {
      const r = k - PER_BATCH / 2;
      if (r >= 0) respond(r);
    } else respond(k);
  }
  await new Promise((ok) => setTimeout(ok, 6));
}
for (let r = Math.max(0, calls - PER_BATCH); r < calls; r += 2) respond(r);
store.sink.flush();
function respond(k) {
  const agentId = `throughput-${k % 8}`;
  const callId = ids[k];
  bus.publish({ type: "llm.decision", agentId, callId, phase: "response", action: "allow", policy: null, code: null, reason: null, status: null, micros: 120, ms: 0.05, attrs });
  bus.publish({
    type: "llm.response",
    agentId,
    callId,
    model: "gpt-4o-mini",
    status: 200,
    costMicros: 120,
    latencyMs: 3.2,
    stream: false,
    complete: true,
    error: null,
    attrs,
    usage: { inputTokens: 40, outputTokens: 8, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 },
  });
  store.budgets.settle(callId, 120);
  published += 2;
  if (k % 2 === 0) {
    bus.publish({ type: "budget.update", scope: "global", limit: 1e15, spent: 120 * k, reserved: 0 });
    published += 1;
  }
}
const used = process.cpuUsage(cpu0);
const mainUsed = mainCpu() - main0;
const wall = performance.now() - t0;
await new Promise((ok) => setTimeout(ok, 20));
bus.close();
store.close();
console.log(
  JSON.stringify({ repo, calls, events: published, delivered, usPerCall: +((used.user + used.system) / calls).toFixed(1), mainUsPerCall: +(mainUsed / calls).toFixed(1), wallMs: Math.round(wall) }),
);
