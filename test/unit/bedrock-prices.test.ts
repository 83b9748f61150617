// Bedrock model ids price as their family: the region prefix, the vendor and the version are not part
// of the price; Claude on Bedrock is Anthropic's row; Nova and Llama have rows with a source and date.
import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, PRICE_SOURCES, findPrice, normalizeModel } from "../../src/policy/prices.js";

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
});
