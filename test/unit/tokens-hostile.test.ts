// Protects the supervisor from prompts that make BPE slow: a run without spaces is counted in slices
// (never below the exact count, so a reservation stays a worst case) and a text over the tokenizing
// limit gets the conservative estimate without any BPE. Without this, 100 KB of one repeated letter
// took seconds and a 16 MiB prompt blocked every agent's decisions for hours.
import { beforeAll, describe, expect, it } from "vitest";
import { type BpeEncoding, loadBpe } from "../../src/policy/bpe.js";
import { MAX_TOKENIZED_CHARS, countTextTokens, loadTokenizers } from "../../src/policy/tokens.js";

// The exact count, unsliced (test/unit/bpe.test.ts holds it to tiktoken's).
let o200k: BpeEncoding;
const countTokens = (text: string) => o200k.count(text);

beforeAll(async () => {
  await loadTokenizers();
  o200k = await loadBpe("o200k_base");
});

describe("token counts of hostile texts", () => {
  it("counts a long run without spaces in slices, never below the exact count", () => {
    for (const text of ["x".repeat(5000), "ab1/".repeat(1500), `${"y".repeat(2000)} and then words ${"z".repeat(900)}`]) {
      expect(countTextTokens(text, "gpt-4o-mini")).toBeGreaterThanOrEqual(countTokens(text));
    }
  });

  it("keeps exact counts for ordinary text", () => {
    const text = "The quick brown fox jumps over the lazy dog. ".repeat(200);
    expect(countTextTokens(text, "gpt-4o-mini")).toBe(countTokens(text));
  });

  it("estimates a text above the limit at half a token per byte, without tokenizing it", () => {
    const text = "x".repeat(MAX_TOKENIZED_CHARS + 1);
    expect(countTextTokens(text, "gpt-4o-mini")).toBe(Math.ceil((MAX_TOKENIZED_CHARS + 1) / 2));
  });
});
