// How fast the state file takes writes, each beside a baseline measured in the same run:
// events committed in the bus's batches (one transaction per turn of the event loop, with the
// call-ledger projections) against the bus with no store, and against one transaction per
// event; budget reserve+settle pairs on SQLite (each reserve committed before it returns, the
// settles written with the next batch) against the in-memory ledger. Prints ratios.
//
//   npm run build && node bench/store-throughput.mjs [events]
import Database from "better-sqlite3";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBus, ImmediateSink } from "../dist/events/bus.js";
import { MemoryBudgetLedger } from "../dist/store/memory-budget-ledger.js";
import { SqliteStore } from "../dist/store/sqlite/sqlite-store.js";

const EVENTS = Number(process.argv[2] ?? 60_000);
/** Events published per turn of the event loop: about what 10 agents making calls at once produce. */
const PER_TURN = 30;
const dir = mkdtempSync(join(tmpdir(), "iron-bench-"));

// The mix a run produces: a call is request, decision, response and two budget updates.
function* events() {
  for (let i = 0; ; i += 1) {
    const agentId = `agent-${i % 10}`;
    const callId = `c-${i}`;
    yield {
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
      attrs: {},
    };
    yield { type: "llm.decision", agentId, callId, phase: "request", action: "allow", policy: null, code: null, reason: null, status: null, micros: 400, ms: 0.05 };
    yield {
      type: "llm.response",
      agentId,
      callId,
      model: "gpt-4o-mini",
      status: 200,
      costMicros: 120,
      latencyMs: 350.2,
      stream: false,
      complete: true,
      error: null,
      usage: { inputTokens: 40, outputTokens: 120, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 },
    };
    yield { type: "budget.update", scope: "global", limit: null, spent: 120 * (i + 1), reserved: 0 };
    yield { type: "budget.update", scope: `agent:${agentId}`, limit: null, spent: 120, reserved: 0 };
  }
}

// Events per second through a bus on `sink`, published PER_TURN at a time, counted when delivered.
async function throughBus(sink) {
  const bus = new EventBus(sink);
  let delivered = 0;
  bus.subscribe(() => (delivered += 1));
  const source = events();
  const started = performance.now();
  for (let sent = 0; sent < EVENTS; sent += PER_TURN) {
    for (let k = 0; k < PER_TURN; k += 1) bus.publish(source.next().value);
    await new Promise((resolve) => setImmediate(resolve));
  }
  bus.close();
  const seconds = (performance.now() - started) / 1000;
  if (delivered < EVENTS) throw new Error(`only ${delivered} of ${EVENTS} delivered`);
  return delivered / seconds;
}

// The naive way: every event its own transaction (what batching saves).
function oneTransactionEach(path) {
  SqliteStore.open(path).close();
  const db = new Database(path);
  db.pragma("synchronous = NORMAL");
  const insert = db.prepare("INSERT INTO events (seq, ts, type, agent_id, supervisor_id, data) VALUES (?, ?, ?, ?, 1, ?)");
  const source = events();
  const count = Math.min(EVENTS, 20_000);
  const started = performance.now();
  for (let seq = 1; seq <= count; seq += 1) {
    const event = source.next().value;
    insert.run(seq, Date.now(), event.type, event.agentId ?? null, JSON.stringify(event));
  }
  const rate = count / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

// Reserve + settle pairs per second on a ledger, a few calls per turn of the event loop (the
// SQLite ledger commits each reserve at once and writes settles with the turn's batch).
async function ledgerPairs(ledger, pairs) {
  ledger.setLimit("global", 1e15);
  const started = performance.now();
  for (let i = 0; i < pairs; i += 1) {
    ledger.reserve(`c-${i}`, ["global", `agent:agent-${i % 10}`], 400);
    ledger.settle(`c-${i}`, 120);
    if (i % (PER_TURN / 5) === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return pairs / ((performance.now() - started) / 1000);
}

const store = SqliteStore.open(join(dir, "batched.db"));
const batched = await throughBus(store.sink);
store.close();
const bare = await throughBus(new ImmediateSink());
const single = oneTransactionEach(join(dir, "single.db"));
const ledgerStore = SqliteStore.open(join(dir, "ledger.db"));
const sqlitePairs = await ledgerPairs(ledgerStore.budgets, 20_000);
ledgerStore.close();
const memoryPairs = await ledgerPairs(new MemoryBudgetLedger(), 20_000);

const rate = (n) => `${Math.round(n).toLocaleString("en-US")}/s`;
console.log(`store write throughput (${EVENTS} events, ${PER_TURN} per turn of the event loop):`);
console.log(`  baseline, bus without a store          ${rate(bare)} events`);
console.log(`  SQLite, batched + ledger projections    ${rate(batched)} events  (${(batched / bare).toFixed(2)}× the bare bus)`);
console.log(`  SQLite, one transaction per event       ${rate(single)} events  (batched is ${(batched / single).toFixed(1)}× faster)`);
console.log(`budget reserve + settle:`);
console.log(`  baseline, memory ledger                 ${rate(memoryPairs)} pairs`);
console.log(`  SQLite ledger (reserve committed)       ${rate(sqlitePairs)} pairs  (${(sqlitePairs / memoryPairs).toFixed(3)}× memory)`);
mkdirSync(new URL("results/", import.meta.url), { recursive: true });
writeFileSync(new URL("results/store-throughput.json", import.meta.url), `${JSON.stringify({ events: EVENTS, perTurn: PER_TURN, bare, batched, single, memoryPairs, sqlitePairs }, null, 2)}\n`);
