// p50/p99 latency from a decision to its event reaching a connected WebSocket client, with the
// SQLite store (commit, then fan out) and with the memory store, beside a baseline measured in
// the same run: a message of the same size sent straight over a WebSocket on the same machine.
// Also the decision time itself, SQLite ledger against memory ledger (the hold is committed
// before the decision is answered). Prints ratios; asserts nothing.
//
//   npm run build && node bench/stream-latency.mjs [calls]
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket, { WebSocketServer } from "ws";
import { EventBus } from "../dist/events/bus.js";
import { PolicyEngine } from "../dist/policy/engine.js";
import { MemoryStore } from "../dist/store/memory-store.js";
import { SqliteStore } from "../dist/store/sqlite/sqlite-store.js";
import { startEventStream } from "../dist/stream/event-stream.js";
import { resolveStreamOptions } from "../dist/stream/stream-options.js";
import { CallGovernor } from "../dist/supervisor/call-governor.js";
import { silentLogger } from "../dist/telemetry/logger.js";

const CALLS = Number(process.argv[2] ?? 2000);
const WARMUP = Math.min(200, CALLS);

// A cost policy in miniature: holds a worst case on the way out, charges the real cost back.
const holdAndCharge = {
  name: "bench-cost",
  onRequest: () => ({ action: "allow", reserve: { scopes: ["global", "agent:bench"], micros: 400 } }),
  onResponse: () => ({ action: "allow", charge: 120 }),
};

function request(i) {
  return {
    v: 1,
    type: "llm.request",
    id: i,
    call: `c-${i}`,
    provider: "openai",
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    method: "POST",
    url: "https://api.openai.com/v1/chat/completions",
    headers: { "content-type": "application/json" },
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: `question ${i}` }], max_tokens: 64 },
    stream: false,
    est_tokens: { input: 12, output: 64 },
    library: "httpx",
    attrs: {},
  };
}

function response(i) {
  return {
    v: 1,
    type: "llm.response",
    id: i,
    call: `c-${i}`,
    status: 200,
    output: "answer",
    body: null,
    latency_ms: 5,
    stream: false,
    complete: true,
    error: null,
    request_id: null,
    model: "gpt-4o-mini",
    usage: { input_tokens: 12, output_tokens: 20, cached_input_tokens: 0, reasoning_tokens: 0, cache_creation_input_tokens: 0 },
  };
}

function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

// Decisions through the real governor, engine and store; the client waits for each event.
async function throughStore(store) {
  const bus = new EventBus(store.sink, Date.now, store.scrubber);
  const engine = new PolicyEngine({ builtins: [holdAndCharge], ledger: store.budgets });
  const governor = new CallGovernor({ engine, bus, ledger: store.budgets });
  const stream = await startEventStream(resolveStreamOptions({ token: "bench-token-0123456789" }), bus, store, silentLogger());
  const client = new WebSocket(stream.urlWithToken);
  const waiting = new Map();
  client.on("message", (data) => {
    const at = performance.now();
    const event = JSON.parse(String(data));
    const key = `${event.type}/${event.callId}/${event.phase ?? ""}`;
    waiting.get(key)?.(at);
  });
  await new Promise((resolve) => client.on("open", resolve));
  const arrival = (key) => new Promise((resolve) => waiting.set(key, resolve));
  const latency = [];
  const decide = [];
  for (let i = 0; i < CALLS + WARMUP; i += 1) {
    const seen = arrival(`llm.decision/c-${i}/request`);
    const answered = arrival(`llm.response/c-${i}/`);
    const t0 = performance.now();
    await governor.request("bench", request(i));
    const decided = performance.now();
    const t1 = await seen;
    await governor.response("bench", response(i));
    await answered;
    if (i >= WARMUP) {
      latency.push(t1 - decided);
      decide.push(decided - t0);
    }
  }
  client.close();
  bus.close();
  await stream.close();
  store.close();
  return { latency: percentiles(latency), decide: percentiles(decide) };
}

// The floor: the same bytes sent straight over a WebSocket.
async function rawWebSocket(bytes) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => server.on("listening", resolve));
  const peer = new Promise((resolve) => server.on("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${server.address().port}`);
  const socket = await peer;
  let onMessage = null;
  client.on("message", () => onMessage?.(performance.now()));
  const payload = "x".repeat(bytes);
  const samples = [];
  for (let i = 0; i < CALLS + WARMUP; i += 1) {
    const got = new Promise((resolve) => (onMessage = resolve));
    const t0 = performance.now();
    socket.send(payload);
    const t1 = await got;
    if (i >= WARMUP) samples.push(t1 - t0);
  }
  client.close();
  server.close();
  return percentiles(samples);
}

const dir = mkdtempSync(join(tmpdir(), "iron-bench-"));
const sqlite = await throughStore(SqliteStore.open(join(dir, "state.db")));
const memory = await throughStore(new MemoryStore());
const raw = await rawWebSocket(320);
const ms = (x) => `${x.toFixed(3)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
console.log(`decision → event at a WebSocket client, ${CALLS} calls (after ${WARMUP} warm-up):`);
console.log(`  baseline, raw WebSocket send   p50 ${ms(raw.p50)}  p99 ${ms(raw.p99)}`);
console.log(`  memory store                   p50 ${ms(memory.latency.p50)}  p99 ${ms(memory.latency.p99)}  (p99 ${ratio(memory.latency.p99, raw.p99)} baseline)`);
console.log(`  SQLite store (commit, then out) p50 ${ms(sqlite.latency.p50)}  p99 ${ms(sqlite.latency.p99)}  (p99 ${ratio(sqlite.latency.p99, raw.p99)} baseline)`);
console.log(`decision time (engine + ledger), request in → decision out:`);
console.log(`  memory ledger                  p50 ${ms(memory.decide.p50)}  p99 ${ms(memory.decide.p99)}`);
console.log(`  SQLite ledger (hold committed)  p50 ${ms(sqlite.decide.p50)}  p99 ${ms(sqlite.decide.p99)}  (p99 ${ratio(sqlite.decide.p99, memory.decide.p99)} memory)`);
mkdirSync(new URL("results/", import.meta.url), { recursive: true });
writeFileSync(new URL("results/stream-latency.json", import.meta.url), `${JSON.stringify({ calls: CALLS, raw, memory, sqlite }, null, 2)}\n`);
