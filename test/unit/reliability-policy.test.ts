// Protects the reliability policy through the engine: an open breaker denies 503 with
// retry-after or reroutes to a fallback (re-priced by the budget), rate limits wait briefly
// (the engine awaits) or deny 429, outcomes feed the breakers, and the deadline reaches
// the decision; per-attribute limits keep one user's rate from another's.
import { SimulatedClock } from "xstate";
import { beforeAll, describe, expect, it } from "vitest";
import { BreakerBoard } from "../../src/policy/breaker/board.js";
import type { BreakerSettings } from "../../src/policy/breaker/machine.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { classify, reliabilityPolicy, urlFor, type ReliabilityPolicyOptions } from "../../src/policy/policies/reliability.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import { RateLimiter } from "../../src/policy/rate-limiter.js";
import { loadTokenizers } from "../../src/policy/tokens.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { makeCall, makeResult } from "../helpers/calls.js";

beforeAll(() => loadTokenizers());

const BREAKER: BreakerSettings = { consecutiveFailures: 2, failureRate: 0.5, minimumCalls: 10, windowMs: 60_000, cooldownMs: 5_000, maxCooldownMs: 60_000, halfOpenProbes: 1, probeLeaseMs: 60_000 };

function setup(overrides: Partial<ReliabilityPolicyOptions> = {}) {
  const clock = new SimulatedClock();
  clock.set(1_000_000);
  const breakers = new BreakerBoard(BREAKER, clock, () => undefined);
  const slept: number[] = [];
  const ledger = new MemoryBudgetLedger();
  const plan = new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
  const budget = budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 4096, capOutputTokens: true, plan, runOf: () => null });
  const reliability = reliabilityPolicy({
    breakers,
    limiter: new RateLimiter(),
    perAgent: null,
    perProvider: {},
    maxWaitMs: 2_000,
    timeoutMs: 30_000,
    fallbacks: [
      {
        model: "gpt-4o",
        provider: null,
        to: [
          { model: "gpt-4o-mini", provider: null },
          { model: "llama3", provider: "local" },
        ],
      },
    ],
    providers: [{ name: "local", kind: "openai", base_url: "http://127.0.0.1:8000/v1/" }],
    ...overrides,
  });
  const engine = new PolicyEngine({ builtins: [budget, reliability], ledger, clock: () => clock.now(), sleep: async (ms) => void slept.push(ms) });
  const trip = (model: string): void => {
    for (let i = 0; i < 2; i += 1) breakers.record("openai", model, { ok: false, at: clock.now(), reason: "HTTP 500" });
  };
  return { engine, breakers, clock, slept, trip, ledger };
}

const gpt4o = () => makeCall({ model: "gpt-4o", body: { model: "gpt-4o", messages: [{ role: "user", content: "hi" }], max_tokens: 100 } });

describe("breakers in the pipeline", () => {
  it("reroutes to the first fallback whose breaker is closed, and the budget prices what goes out", async () => {
    const { engine, trip } = setup();
    trip("gpt-4o");
    const v = await engine.decideRequest(gpt4o());
    expect(v).toMatchObject({ action: "modify", policy: "reliability", url: null, reason: "breaker open for openai/gpt-4o; rerouted to gpt-4o-mini", timeoutMs: 30_000 });
    expect((v.body as { model: string }).model).toBe("gpt-4o-mini");
    expect(v.call?.model).toBe("gpt-4o-mini");
    expect(v.micros).toBe(Math.ceil(7 * 0.15 + 100 * 0.6)); // gpt-4o-mini's price, not gpt-4o's
  });

  it("reroutes to another OpenAI-compatible provider's base URL when the model fallback is open too", async () => {
    const { engine, trip } = setup({
      fallbacks: [
        {
          model: "gpt-4o",
          provider: null,
          to: [
            { model: "gpt-4o-mini", provider: null },
            { model: "gpt-4o", provider: "local" },
          ],
        },
      ],
    });
    trip("gpt-4o");
    trip("gpt-4o-mini");
    const v = await engine.decideRequest(gpt4o());
    expect(v).toMatchObject({ action: "modify", url: "http://127.0.0.1:8000/v1/chat/completions", reason: "breaker open for openai/gpt-4o; rerouted to local/gpt-4o" });
    expect(v.call?.provider).toBe("local");
  });

  it("denies 503 with retry-after when no fallback is left, and judges the response against the rerouted call", async () => {
    const { engine, trip, breakers, clock } = setup({ fallbacks: [] });
    trip("gpt-4o");
    const v = await engine.decideRequest(gpt4o());
    expect(v).toMatchObject({ action: "deny", code: "IRON_ERR_BREAKER_OPEN", status: 503, retryAfter: 5, policy: "reliability" });
    clock.increment(5_000);
    const probe = await engine.decideRequest(gpt4o());
    expect(probe.action).toBe("allow");
    await engine.decideResponse(probe.call!, makeResult(7, 3));
    expect(breakers.state("openai", "gpt-4o")).toBe("closed");
  });

  it("classifies outcomes: 5xx, 429, 408, no response and broken streams fail; 4xx succeed; early close says nothing", () => {
    expect(classify(makeResult(1, 1, { status: 503, retryAfter: 2 }), null)).toEqual({ ok: false, reason: "HTTP 503", retryAfterMs: 2000 });
    expect(classify(makeResult(1, 1, { status: 429 }), null)?.ok).toBe(false);
    expect(classify(makeResult(1, 1, { status: 0, error: "ConnectError" }), null)).toEqual({ ok: false, reason: "ConnectError" });
    expect(classify(makeResult(1, 1, { status: 400 }), null)).toEqual({ ok: true });
    expect(classify(makeResult(1, 1, { stream: true, complete: false, error: null }), null)).toBeNull();
    expect(classify(makeResult(1, 1, { stream: true, complete: false, error: "reset" }), null)?.ok).toBe(false);
    expect(classify(makeResult(1, 1, { latencyMs: 40_000 }), 30_000)?.ok).toBe(false);
  });

  it("builds fallback URLs under OpenAI-style and Anthropic-style base URLs", () => {
    expect(urlFor({ name: "a", kind: "openai", base_url: "https://gw.example/v1" }, "responses")).toBe("https://gw.example/v1/responses");
    expect(urlFor({ name: "b", kind: "anthropic", base_url: "https://claude.example" }, "messages")).toBe("https://claude.example/v1/messages");
  });
});

describe("rate limits", () => {
  it("lets a burst through, queues the next call briefly (the engine waits), and refuses one that would wait too long", async () => {
    const { engine, slept } = setup({ perAgent: { rpm: 60, tpm: null }, maxWaitMs: 1_500 });
    // A fresh bucket holds a minute's worth: 60 calls go at once, the 61st waits 1 s, the 62nd would wait 2 s.
    for (let i = 0; i < 60; i += 1) expect((await engine.decideRequest(makeCall())).action).toBe("allow");
    const queued = await engine.decideRequest(makeCall());
    expect(queued).toMatchObject({ action: "allow", delayMs: 1_000 });
    expect(slept).toEqual([1_000]);
    const refused = await engine.decideRequest(makeCall());
    expect(refused).toMatchObject({ action: "deny", code: "IRON_ERR_RATE_LIMIT", status: 429, retryAfter: 2 });
  });

  it("limits each value of an attribute on its own (one user cannot use up another's rate)", async () => {
    const { engine } = setup({ perAttribute: { user: { rpm: 2, tpm: null } }, maxWaitMs: 0 });
    const as = (user: string | null) => makeCall(user === null ? {} : { attrs: { user } });
    for (let i = 0; i < 2; i += 1) expect((await engine.decideRequest(as("u/1"))).action).toBe("allow");
    expect(await engine.decideRequest(as("u/1"))).toMatchObject({ action: "deny", code: "IRON_ERR_RATE_LIMIT", status: 429, reason: "rate limit user:u/1 rpm reached; retry in 30s" });
    expect((await engine.decideRequest(as("u2"))).action).toBe("allow");
    for (let i = 0; i < 5; i += 1) expect((await engine.decideRequest(as(null))).action).toBe("allow");
  });

  it("counts tokens per minute per provider, and takes every bucket or none", () => {
    const limiter = new RateLimiter();
    const charges = [
      { key: "agent:a/rpm", perMinute: 100, cost: 1 },
      { key: "provider:openai/tpm", perMinute: 1_000, cost: 900 },
    ];
    expect(limiter.take(charges, 0, 0)).toEqual({ ok: true, waitMs: 0 });
    // The token bucket has 100 left: refused, and the request bucket is not charged for it.
    expect(limiter.take(charges, 0, 0)).toEqual({ ok: false, retryAfterMs: 48_000, key: "provider:openai/tpm" });
    expect(limiter.take([{ key: "agent:a/rpm", perMinute: 100, cost: 99 }], 0, 0)).toEqual({ ok: true, waitMs: 0 });
    // Refills continuously: after 48 s the 900 tokens fit again.
    expect(limiter.take([charges[1]!], 48_000, 0)).toEqual({ ok: true, waitMs: 0 });
  });
});
