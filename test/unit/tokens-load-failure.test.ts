// A rank table that cannot load (a damaged install, a process shutting down mid-import) must not
// become an unhandled rejection — most asks start the load without waiting for it — and counting
// stays on the conservative estimate until a later ask loads it. Own file: the encoder module is
// made to fail by replacing its import, and the encodings start unloaded.
import { afterEach, describe, expect, it, vi } from "vitest";

let failing = true;
vi.mock("../../src/policy/bpe.js", async (original) => {
  if (failing) throw new Error("rank file unreadable");
  return original();
});

afterEach(() => {
  failing = true;
});

describe("an encoding that fails to load", () => {
  it("rejects nothing, keeps the conservative count and is tried again on the next ask", async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => {
      rejections.push(reason);
    };
    process.on("unhandledRejection", onRejection);
    try {
      const { countTextTokens, tokenizersReady, tokenizersWithin } = await import("../../src/policy/tokens.js");
      const text = "hello there, how are you today?";
      expect(tokenizersReady("gpt-4o")).toBe(false);
      expect(await tokenizersWithin(5_000, "gpt-4o")).toBe(false);
      const estimate = countTextTokens(text, "gpt-4o");
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(rejections).toEqual([]);

      failing = false;
      vi.resetModules();
      expect(await tokenizersWithin(60_000, "gpt-4o")).toBe(true);
      const exact = countTextTokens(text, "gpt-4o");
      expect(exact).toBeLessThan(estimate);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });
});
