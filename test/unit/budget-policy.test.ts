// Protects the cost side: scopes per agent, run, attribute and period; token estimates;
// the output cap that makes a reservation a true worst case; warnings crossed once each;
// `$0` budgets; and the promise that many concurrent calls never overshoot a limit.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { BudgetPlan, dayFormatter, type BudgetPlanOptions } from "../../src/policy/budget-plan.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { costOf } from "../../src/policy/cost.js";
import { DEFAULT_PRICES, findPrice } from "../../src/policy/prices.js";
import { countTextTokens, estimateInputTokens, loadTokenizers, tokenFamily } from "../../src/policy/tokens.js";
import type { Policy } from "../../src/policy/types.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { makeCall, makeResult } from "../helpers/calls.js";

beforeAll(() => loadTokenizers());

const NOON_27_NOV_2026 = Date.UTC(2026, 10, 27, 12, 0, 0);
const planOf = (o: Partial<BudgetPlanOptions> = {}): BudgetPlan => new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC", ...o });
const budget = (plan = planOf(), runOf: (id: string) => number | null = () => null): Policy =>
  budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: true, plan, runOf });

describe("budget scopes", () => {
  it("names a scope per agent, run, attribute and period, with their limits", () => {
    const plan = planOf({
      global: [
        { micros: 100, period: "total" },
        { micros: 10, period: "day" },
      ],
      perAgent: [{ micros: 50, period: "month" }],
      perRun: [{ micros: 5, period: "total" }],
      perAttribute: { user: [{ micros: 1, period: "day" }] },
    });
    const call = makeCall({ agentId: "bot", attrs: { user: "u42", team: "x" } });
    expect(plan.scopesFor(call, 3, NOON_27_NOV_2026)).toEqual({
      scopes: ["global", "global@day:2026-11-27", "agent:bot", "agent:bot@month:2026-11", "run:bot#3", "user:u42", "user:u42@day:2026-11-27"],
      limits: { global: 100, "global@day:2026-11-27": 10, "agent:bot@month:2026-11": 50, "run:bot#3": 5, "user:u42@day:2026-11-27": 1 },
      limited: true,
    });
  });

  it("starts days in the configured time zone, and an agent's own budget replaces per_agent's total", () => {
    const plan = planOf({ timeZone: "Pacific/Auckland", perAgent: [{ micros: 7, period: "total" }] });
    expect(plan.scopesFor(makeCall(), null, NOON_27_NOV_2026).scopes).toEqual(["global", "agent:agent-a"]);
    const daily = planOf({ timeZone: "Pacific/Auckland", global: [{ micros: 1, period: "day" }] });
    expect(daily.scopesFor(makeCall(), null, NOON_27_NOV_2026).scopes[1]).toBe("global@day:2026-11-28");
    plan.setAgentLimit("agent-a", 99);
    expect(plan.scopesFor(makeCall(), null, 0).limits["agent:agent-a"]).toBe(99);
  });

  it("turns the day at midnight of the configured zone, to the millisecond, whatever it asked before", () => {
    for (const [timeZone, midnight] of [
      ["UTC", Date.UTC(2026, 10, 28, 0, 0, 0)],
      ["Asia/Kolkata", Date.UTC(2026, 10, 27, 18, 30, 0)],
    ] as const) {
      const day = dayFormatter(timeZone);
      expect([day(midnight - 60_001), day(midnight - 1), day(midnight), day(midnight - 1), day(midnight + 59_999)]).toEqual(["2026-11-27", "2026-11-27", "2026-11-28", "2026-11-27", "2026-11-28"]);
    }
  });

  it("lets an operator's limit replace the configured one for an exact scope, or remove it (null)", () => {
    const plan = planOf({
      global: [
        { micros: 100, period: "total" },
        { micros: 10, period: "day" },
      ],
      perAttribute: { user: [{ micros: 1, period: "total" }] },
    });
    const call = makeCall({ agentId: "bot", attrs: { user: "dora@example.com" } });
    plan.overrideLimit("global", 500);
    plan.overrideLimit("global@day:2026-11-27", null);
    plan.overrideLimit("agent:bot", 7);
    expect(plan.scopesFor(call, null, NOON_27_NOV_2026).limits).toEqual({ global: 500, "global@day:2026-11-27": null, "agent:bot": 7, "user:dora@example.com": 1 });
    expect(plan.agentLimit("bot")).toBe(7);
    // Events show the attribute scope scrubbed; an override may name it that way.
    plan.matchScopesAs((scope) => scope.replace("dora@example.com", "[redacted:email:0123456789ab]"));
    plan.overrideLimit("user:[redacted:email:0123456789ab]", 3);
    expect(plan.scopesFor(call, null, NOON_27_NOV_2026).limits["user:dora@example.com"]).toBe(3);
    plan.overrideLimit("global", null);
    plan.overrideLimit("agent:bot", null);
    plan.overrideLimit("user:[redacted:email:0123456789ab]", null);
    expect(plan.scopesFor(call, null, NOON_27_NOV_2026)).toMatchObject({ limited: false });
  });
});

describe("prices", () => {
  it("prices a dated id as its family unless the snapshot has its own price, and applies long-context rates", () => {
    expect(findPrice(DEFAULT_PRICES, "claude-sonnet-4-5-20250929")).toBe(DEFAULT_PRICES["claude-sonnet-4-5"]);
    expect(findPrice(DEFAULT_PRICES, "gpt-4o-2024-05-13")).toEqual({ input: 5, output: 15 });
    const usage = (inputTokens: number) => ({ inputTokens, outputTokens: 1000, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 });
    const sonnet = DEFAULT_PRICES["claude-sonnet-4"]!;
    expect(costOf(usage(200_000), sonnet)).toBe(200_000 * 3 + 1000 * 15);
    expect(costOf(usage(200_001), sonnet)).toBe(200_001 * 6 + 1000 * 22.5);
  });
});

describe("token estimates", () => {
  it("counts OpenAI prompts exactly and estimates other models generously", () => {
    const body = {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "Summarise Hamlet in one line." },
      ],
    };
    const exact = 3 + 2 * 3 + countTextTokens("You are terse.", "gpt-4o") + countTextTokens("Summarise Hamlet in one line.", "gpt-4o");
    expect(estimateInputTokens(makeCall({ model: "gpt-4o", body }))).toBe(exact);
    expect(tokenFamily("gpt-4-turbo")).toBe("cl100k");
    expect(tokenFamily("claude-sonnet-4-5")).toBe("other");
    const claude = estimateInputTokens(makeCall({ model: "claude-sonnet-4-5", body: { ...body, model: "claude-sonnet-4-5" } }));
    expect(claude).toBe(Math.ceil(exact * 1.25));
  });

  it("counts tools as their JSON and each image as a flat figure", () => {
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }];
    const body = { model: "gpt-4o", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] }], tools };
    expect(estimateInputTokens(makeCall({ model: "gpt-4o", body }))).toBe(3 + 3 + 1500 + countTextTokens(JSON.stringify(tools), "gpt-4o"));
  });
});

describe("reservations and caps", () => {
  it("caps output that a budget would otherwise have to guess, in the field each API takes", async () => {
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("global", 1_000_000);
    const engine = new PolicyEngine({ builtins: [budget()], ledger });
    const chat = await engine.decideRequest(makeCall({ body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } }));
    expect(chat).toMatchObject({ action: "modify", policy: "budget", body: { max_completion_tokens: 1000 } });
    const compatible = await engine.decideRequest(makeCall({ url: "http://127.0.0.1:9/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [] } }));
    expect(compatible.body).toMatchObject({ max_tokens: 1000 });
    const responses = await engine.decideRequest(makeCall({ endpoint: "responses", body: { model: "gpt-4o-mini", input: "hi" } }));
    expect(responses.body).toMatchObject({ max_output_tokens: 1000 });
    expect(responses.micros).toBe(Math.ceil(4 * 0.15 + 1000 * 0.6));
    // Unlimited spend is only tracked: nothing to protect, nothing changed.
    const free = new PolicyEngine({ builtins: [budget()], ledger: new MemoryBudgetLedger() });
    expect((await free.decideRequest(makeCall({ body: { model: "gpt-4o-mini", messages: [] } }))).action).toBe("allow");
  });

  it("denies everything under a $0 budget with a reason that says so", async () => {
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("global", 0);
    const v = await new PolicyEngine({ builtins: [budget()], ledger }).decideRequest(makeCall());
    expect(v).toMatchObject({ action: "deny", code: "IRON_ERR_BUDGET", status: 402, reason: "budget global is $0: nothing may be spent", exhausted: { scope: "global", limit: 0, spent: 0 } });
  });

  it("reports each warning threshold once, in the call whose charge crossed it", async () => {
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("agent:agent-a", 10_000);
    const engine = new PolicyEngine({ builtins: [budget()], ledger });
    const crossed: string[][] = [];
    // Spend after each call (0.6 micro-dollars per output token): 420, 5220, 5280, 8280, 9180.
    for (const output of [700, 8000, 100, 5000, 1500]) {
      const call = makeCall({ body: { model: "gpt-4o-mini", messages: [], max_tokens: output } });
      expect((await engine.decideRequest(call)).action).toBe("allow");
      const v = await engine.decideResponse(call, makeResult(0, output));
      crossed.push(v.warnings.map((w) => `${w.scope}@${w.threshold}`));
    }
    expect(crossed).toEqual([[], ["agent:agent-a@0.5"], [], ["agent:agent-a@0.8"], ["agent:agent-a@0.9"]]);
  });
});

describe("concurrency", () => {
  it("never overshoots: many concurrent calls, interleaved by an async policy, at a nearly spent budget", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 200, max: 2_000 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 20, maxLength: 80 }), async (limit, outputs) => {
        const ledger = new MemoryBudgetLedger();
        ledger.setLimit("global", limit);
        const jitter: Policy = { name: "jitter", onRequest: () => new Promise((r) => setTimeout(r, Math.random() * 3)) };
        const engine = new PolicyEngine({ builtins: [budget()], ledger });
        engine.use(jitter);
        await Promise.all(
          outputs.map(async (maxTokens, i) => {
            const call = makeCall({ body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_tokens: maxTokens } });
            const v = await engine.decideRequest(call);
            if (v.action === "deny") return;
            await new Promise((r) => setTimeout(r, Math.random() * 3));
            await engine.decideResponse(call, makeResult(7, i % 2 === 0 ? maxTokens : Math.floor(maxTokens / 2)));
          }),
        );
        expect(ledger.spent("global")).toBeLessThanOrEqual(limit);
        expect(ledger.remaining("global")).toBe(limit - ledger.spent("global"));
      }),
      { numRuns: 25 },
    );
  });
});
