// The first calls of a run come before the model's encoding has loaded: a call far from every
// limit is priced at once on the conservative estimate, and only a call near a limit waits to be
// counted exactly. Own file: the encodings start unloaded.
import { describe, expect, it } from "vitest";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import { tokenizersReady, tokenizersWithin } from "../../src/policy/tokens.js";
import type { BudgetView, PolicyContext, RequestDecision } from "../../src/policy/types.js";
import { makeCall } from "../helpers/calls.js";

const PROMPT = "Summarise the attached quarterly report for the board in three short bullet points, please.";

function contextWith(limitMicros: number): PolicyContext {
  const budgets: BudgetView = { remaining: () => limitMicros, spent: () => 0, limit: () => limitMicros };
  return { now: Date.UTC(2026, 11, 7), budgets };
}

const policy = budgetPolicy({
  prices: DEFAULT_PRICES,
  unknownModel: { action: "deny" },
  defaultMaxOutputTokens: 1000,
  capOutputTokens: true,
  plan: new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" }),
  runOf: () => null,
});
const call = () => makeCall({ model: "gpt-4o", body: { model: "gpt-4o", messages: [{ role: "user", content: PROMPT }], max_tokens: 100 } });
const inputTokensOf = (decision: RequestDecision | undefined): number => Number(/reserved the worst case: (\d+) input/.exec(decision?.reason ?? "")?.[1]);

describe("pricing before the encoding has loaded", () => {
  it("decides a call far from its limit at once, on the conservative count; one near its limit waits for the exact count", async () => {
    expect(tokenizersReady("gpt-4o")).toBe(false);
    const roomy = policy.onRequest?.(call(), contextWith(1_000_000_000));
    expect(roomy).not.toBeInstanceOf(Promise);
    const conservative = inputTokensOf(roomy as RequestDecision);
    const reserved = (roomy as { reserve?: { micros: number } }).reserve?.micros as number;

    // Room for the conservative worst case, but not twice over: worth counting exactly.
    const tight = contextWith(Math.ceil(reserved * 1.5));
    const near = policy.onRequest?.(call(), tight);
    expect(near).toBeInstanceOf(Promise);
    // It waited for the load (at most a second: a loaded machine may still get the conservative count).
    expect(inputTokensOf((await near) as RequestDecision)).toBeLessThanOrEqual(conservative);
    await tokenizersWithin(60_000, "gpt-4o");
    const loaded = policy.onRequest?.(call(), tight);
    expect(loaded).not.toBeInstanceOf(Promise);
    expect(inputTokensOf(loaded as RequestDecision)).toBeLessThan(conservative);
  });
});
