// Gemini in the price table: versioned ids price as their family, cached content at the cache
// rate, thinking billed as output, long prompts at the long-context rates; every row has a source.
import { beforeAll, describe, expect, it } from "vitest";
import { estimateInputTokens, loadTokenizers } from "../../src/policy/tokens.js";
import { DEFAULT_PRICES, PRICE_SOURCES } from "../../src/index.js";
import { costOf } from "../../src/policy/cost.js";
import { findPrice } from "../../src/policy/prices.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy, requestedCap } from "../../src/policy/policies/budget.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { makeCall } from "../helpers/calls.js";

describe("Gemini prices", () => {
  it("prices gemini-2.0-flash-001 as gemini-2.0-flash and an unknown Gemini model as unknown", () => {
    expect(findPrice(DEFAULT_PRICES, "gemini-2.0-flash-001")).toBe(DEFAULT_PRICES["gemini-2.0-flash"]);
    expect(findPrice(DEFAULT_PRICES, "gemini-9-ultra")).toBeUndefined();
  });

  it("charges usageMetadata exactly: cached reads at the cache rate, thoughts as output", () => {
    // promptTokenCount 1200 of which cachedContentTokenCount 1000; candidates 300 + thoughts 100.
    const usage = { inputTokens: 1200, cachedInputTokens: 1000, cacheCreationInputTokens: 0, outputTokens: 400, reasoningTokens: 100 };
    expect(costOf(usage, DEFAULT_PRICES["gemini-2.5-flash"]!)).toBe(Math.ceil(200 * 0.3 + 1000 * 0.03 + 400 * 2.5));
    const long = { ...usage, inputTokens: 250_000, cachedInputTokens: 0 };
    expect(costOf(long, DEFAULT_PRICES["gemini-2.5-pro"]!)).toBe(250_000 * 2.5 + 400 * 15);
  });

  it("names a source and a date for every provider with rows in the table", () => {
    const providers = new Set(Object.keys(DEFAULT_PRICES).map((id) => (id.startsWith("claude") ? "anthropic" : id.startsWith("gemini") ? "gemini" : "openai")));
    for (const provider of providers) expect(PRICE_SOURCES[provider]?.checked, provider).toMatch(/^\d{4}-\d{2}/);
  });
});

beforeAll(() => loadTokenizers());

describe("Gemini output caps in the budget policy", () => {
  const gemini = (generationConfig?: Record<string, unknown>) =>
    makeCall({
      provider: "gemini",
      endpoint: "generateContent",
      model: "gemini-2.5-flash",
      url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
      body: { contents: [{ role: "user", parts: [{ text: "hi" }] }], ...(generationConfig && { generationConfig }) },
      estimatedTokens: { input: 10, output: null },
    });

  it("reads generationConfig.maxOutputTokens as the requested cap", () => {
    expect(requestedCap(gemini({ maxOutputTokens: 64, temperature: 0 }))).toBe(64);
    expect(requestedCap(gemini())).toBeNull();
  });

  it("caps an uncapped call in generationConfig (never an OpenAI field Gemini would refuse)", async () => {
    const plan = new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
    const policy = budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: true, plan, runOf: () => null });
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("global", 1_000_000);
    const engine = new PolicyEngine({ builtins: [policy], ledger });
    const decision = await engine.decideRequest(gemini({ temperature: 0 }));
    expect(decision).toMatchObject({ action: "modify", policy: "budget" });
    expect(decision.body).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { temperature: 0, maxOutputTokens: 1000 } });
    const call = gemini({ maxOutputTokens: 64 });
    const capped = await engine.decideRequest(call);
    expect([capped.action, capped.micros]).toEqual(["allow", Math.ceil(estimateInputTokens(call) * 0.3 + 64 * 2.5 - 1e-9)]);
  });
});

describe("local model servers", () => {
  it("charge nothing for an unpriced model on a loopback host (still reserved, so budgets and limits apply), a configured price wins", async () => {
    const plan = new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
    const prices = { ...DEFAULT_PRICES, "llama3.2-priced": { input: 1, output: 1 } };
    const policy = budgetPolicy({ prices, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: false, plan, runOf: () => null });
    const engine = new PolicyEngine({ builtins: [policy], ledger: new MemoryBudgetLedger() });
    const local = (url: string, model: string) => makeCall({ url, model, body: { model, messages: [{ role: "user", content: "hi" }], max_tokens: 10 } });
    for (const url of ["http://localhost:11434/v1/chat/completions", "http://127.0.0.1:8000/v1/chat/completions", "http://[::1]:8000/v1/chat/completions"]) {
      expect(await engine.decideRequest(local(url, "llama3.2")), url).toMatchObject({ action: "allow", micros: 0 });
    }
    expect((await engine.decideRequest(local("http://localhost:11434/v1/chat/completions", "llama3.2-priced"))).micros).toBeGreaterThan(0);
    expect(await engine.decideRequest(local("https://api.groq.com/openai/v1/chat/completions", "llama3.2"))).toMatchObject({ action: "deny", code: "IRON_ERR_UNKNOWN_MODEL" });
  });
});
