// Bedrock model ids price as their family: the region prefix, the vendor and the version are not part
// of the price; Claude on Bedrock is Anthropic's row; Nova and Llama have rows with a source and date.
import { describe, expect, it } from "vitest";
import { BEDROCK_ROW_SOURCES, DEFAULT_PRICES, PRICE_SOURCES, findPrice, normalizeModel } from "../../src/policy/prices.js";

describe("Bedrock model ids", () => {
  it("normalise to the family the table names", () => {
    expect(normalizeModel("anthropic.claude-3-5-sonnet-20240620-v1:0")).toBe("claude-3-5-sonnet");
    expect(normalizeModel("us.anthropic.claude-sonnet-4-20250514-v1:0")).toBe("claude-sonnet-4");
    expect(normalizeModel("meta.llama3-1-70b-instruct-v1:0")).toBe("llama3-1-70b-instruct");
    expect(normalizeModel("amazon.nova-pro-v1:0")).toBe("nova-pro");
    expect(normalizeModel("gpt-4o-2024-08-06")).toBe("gpt-4o");
    expect(normalizeModel("gemini-2.0-flash-001")).toBe("gemini-2.0-flash");
  });

  it("are priced, never free, and the rows say where they come from", () => {
    expect(findPrice(DEFAULT_PRICES, "eu.anthropic.claude-3-5-haiku-20241022-v1:0")).toEqual(DEFAULT_PRICES["claude-3-5-haiku"]);
    for (const id of ["amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "meta.llama3-3-70b-instruct-v1:0"]) {
      expect(findPrice(DEFAULT_PRICES, id)?.input, id).toBeGreaterThan(0);
    }
    expect(findPrice(DEFAULT_PRICES, "amazon.titan-text-express-v1")).toBeUndefined();
    expect(PRICE_SOURCES.bedrock?.source).toContain("aws.amazon.com/bedrock/pricing");
  });

  it("has a source and a check date for every Bedrock-only row, and AWS's us-east-1 on-demand rates where they were checked", () => {
    const bedrockRows = Object.keys(DEFAULT_PRICES).filter((m) => /^(nova|llama)/.test(m));
    expect(Object.keys(BEDROCK_ROW_SOURCES).sort()).toEqual(bedrockRows.sort());
    for (const row of bedrockRows) expect(BEDROCK_ROW_SOURCES[row]?.checked, row).toMatch(/^\d{4}-\d{2}/);
    const rates = (id: string) => [findPrice(DEFAULT_PRICES, id)?.input, findPrice(DEFAULT_PRICES, id)?.output];
    expect(rates("amazon.nova-micro-v1:0")).toEqual([0.035, 0.14]);
    expect(rates("amazon.nova-lite-v1:0")).toEqual([0.06, 0.24]);
    expect(rates("us.amazon.nova-pro-v1:0")).toEqual([0.8, 3.2]);
    expect(rates("meta.llama3-3-70b-instruct-v1:0")).toEqual([0.72, 0.72]);
    expect(rates("meta.llama4-maverick-17b-instruct-v1:0")).toEqual([0.24, 0.97]);
    expect(rates("us.meta.llama4-scout-17b-instruct-v1:0")).toEqual([0.17, 0.66]);
  });
});
