// Gemini in the price table: versioned ids price as their family, cached content at the cache
// rate, thinking billed as output, long prompts at the long-context rates; every row has a source.
import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, PRICE_SOURCES } from "../../src/index.js";
import { costOf } from "../../src/policy/cost.js";
import { findPrice } from "../../src/policy/prices.js";

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
