// Protects the token estimate before the encodings have loaded (the first call of a run on
// a busy machine): it must never be below the exact count, so a reservation made on it is
// still a worst case. Runs in its own process, so the encodings start unloaded here.
import { describe, expect, it } from "vitest";
import { estimateInputTokens, loadTokenizers, tokenizersReady } from "../../src/policy/tokens.js";
import { makeCall } from "../helpers/calls.js";

const TEXTS = [
  "Summarise the plot of Hamlet in one line, please.",
  "東京の天気は明日晴れるでしょうか？詳しく教えてください。",
  "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
  "Здравствуйте! Как доехать до вокзала?",
  "🙂🙂🙂 emoji-heavy text 🚀🚀",
];

describe("token estimate before the encodings load", () => {
  it("is at least the exact count for English, CJK, code, Cyrillic and emoji", async () => {
    expect(tokenizersReady()).toBe(false);
    const calls = TEXTS.map((text) => makeCall({ model: "gpt-4o", body: { model: "gpt-4o", messages: [{ role: "user", content: text }] } }));
    const cold = calls.map((c) => estimateInputTokens(c));
    await loadTokenizers();
    const exact = calls.map((c) => estimateInputTokens(c));
    for (const [i, n] of cold.entries()) expect(n, TEXTS[i]).toBeGreaterThanOrEqual(exact[i] as number);
  });
});
