// The policy engine's own decision time per call — no transport, no processes — for the
// full default pipeline (safety → budget → reliability, as `iron run` builds it with no
// config) beside a baseline measured in the same run: the same engine with an empty
// pipeline. Prints p50/p99 of request + response decisions and the ratios to the baseline,
// then what the tokenizer and the PII scan cost on their own.
//
//   npm run build && node bench/engine.mjs [calls]
import { PolicyEngine } from "../dist/policy/engine.js";
import { BUILTIN_DETECTORS } from "../dist/policy/pii/detectors.js";
import { scanText } from "../dist/policy/pii/scan.js";
import { estimateInputTokens, loadTokenizers } from "../dist/policy/tokens.js";
import { MemoryBudgetLedger } from "../dist/store/memory-budget-ledger.js";
import { createBuiltins } from "../dist/supervisor/builtin-policies.js";
import { resolveSupervisorOptions } from "../dist/supervisor/options.js";

const CALLS = Number(process.argv[2] ?? 20_000);
const WARMUP = Math.min(2_000, CALLS);

const SYSTEM = "You are a support assistant for an online shop. Answer briefly, cite order numbers, never invent data. ".repeat(4);
const TURNS = [
  "Hi, my order #418-222-3310 has not arrived. It was placed on 2026-11-20T09:14:00Z.",
  "Sorry to hear that. Could you confirm the email on the order?",
  "Sure, it is jane.doe@example.com and you can call me on +44 20 7946 0958.",
];

// The earlier turns of a long conversation, each its own message (as agents resend them every turn).
const HISTORY = Array.from({ length: 40 }, (_, k) => ({ role: k % 2 === 0 ? "user" : "assistant", content: `${TURNS[k % TURNS.length]} (turn ${k})` }));

// The messages of call `i`: every call's last message is new, so no call is a cache hit as a whole.
function messagesOf(i, size) {
  if (size === "small")
    return [
      { role: "system", content: SYSTEM },
      { role: "user", content: `${TURNS.join("\n")}\nQuestion ${i}: where is my parcel?` },
    ];
  if (size === "conversation") return [{ role: "system", content: SYSTEM }, ...HISTORY, { role: "user", content: `Question ${i}: where is my parcel?` }];
  // One long prompt that is new every time: the cold worst case for tokenizer and scanner.
  return [
    { role: "system", content: SYSTEM },
    { role: "user", content: `${HISTORY.map((m) => m.content).join("\n")}\nQuestion ${i}: where is my parcel?` },
  ];
}

// A chat call as the governor builds it.
function callOf(i, size) {
  return {
    id: `c-${size}-${i}`,
    agentId: "bench",
    provider: "openai",
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    method: "POST",
    url: "https://api.openai.com/v1/chat/completions",
    headers: { "content-type": "application/json" },
    body: {
      model: "gpt-4o-mini",
      max_tokens: 256,
      messages: messagesOf(i, size),
    },
    stream: false,
    estimatedTokens: { input: 200, output: 256 },
    library: "httpx",
    attrs: {},
    receivedAt: 0,
  };
}

const result = (i) => ({
  status: 200,
  usage: { inputTokens: 180, outputTokens: 60, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 },
  output: `Your parcel ${i} is on its way and should arrive tomorrow.`,
  body: {
    id: `chatcmpl-${i}`,
    object: "chat.completion",
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: `Your parcel ${i} is on its way and should arrive tomorrow.` }, finish_reason: "stop" }],
  },
  latencyMs: 300,
  stream: false,
  complete: true,
  error: null,
  requestId: null,
  model: "gpt-4o-mini",
});

function engineOf(policies) {
  return new PolicyEngine({ builtins: policies, ledger: new MemoryBudgetLedger() });
}

function defaultPipeline() {
  const options = resolveSupervisorOptions({ budgetUsd: 1_000_000 });
  const ledger = new MemoryBudgetLedger();
  const builtins = createBuiltins(options, { ledger, runOf: () => 1, publish: () => undefined });
  return { engine: new PolicyEngine({ builtins: builtins.policies, ledger, warnAt: options.budgets.warnAt }), close: builtins.close };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

// Times request + response decisions of `n` calls, one after another.
async function measure(engine, size, n, offset) {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const call = callOf(offset + i, size);
    const started = performance.now();
    const verdict = await engine.decideRequest(call);
    await engine.decideResponse(verdict.call ?? call, result(i));
    times[i] = performance.now() - started;
  }
  return times.sort();
}

function row(label, times, base) {
  const p50 = quantile(times, 0.5);
  const p99 = quantile(times, 0.99);
  const ratio = base === null ? "" : `   ×${(p50 / quantile(base, 0.5)).toFixed(1)} p50, ×${(p99 / quantile(base, 0.99)).toFixed(1)} p99`;
  return `${label.padEnd(44)} p50 ${(p50 * 1000).toFixed(1).padStart(7)} µs   p99 ${(p99 * 1000).toFixed(1).padStart(7)} µs${ratio}`;
}

function timeEach(n, fn) {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const started = performance.now();
    fn(i);
    times[i] = performance.now() - started;
  }
  return times.sort();
}

await loadTokenizers();
console.log(`policy engine decision time per call (request + response), ${CALLS} calls each, node ${process.version}`);
const LABELS = { small: "small prompt", conversation: "41-turn conversation (earlier turns resent, last one new)", cold: "one long prompt, new every call (cold caches)" };
for (const size of ["small", "conversation", "cold"]) {
  const chars = JSON.stringify(callOf(0, size).body).length;
  const empty = engineOf([]);
  const full = defaultPipeline();
  await measure(empty, size, WARMUP, 0);
  await measure(full.engine, size, WARMUP, 0);
  const base = await measure(empty, size, CALLS, WARMUP);
  const times = await measure(full.engine, size, CALLS, WARMUP);
  console.log(`\n${LABELS[size]}, ${chars} bytes of JSON body:`);
  console.log(row("baseline: empty pipeline", base, null));
  console.log(row("default pipeline: safety → budget → reliability", times, base));
  full.close();
  const texts = Array.from({ length: CALLS }, (_, i) => callOf(i, size).body.messages.at(-1).content);
  console.log(
    row(
      "  of which: token estimate (BPE)",
      timeEach(CALLS, (i) => estimateInputTokens(callOf(i, size))),
      base,
    ),
  );
  console.log(
    row(
      "  of which: PII scan of the newest message",
      timeEach(CALLS, (i) => scanText(texts[i], BUILTIN_DETECTORS)),
      base,
    ),
  );
}
