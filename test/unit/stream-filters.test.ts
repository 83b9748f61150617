// Protects stream filter chaining: each filter sees the previous one's output, held-back
// text is flushed at the end through the rest of the chain, and a deny stops the chain.
import { describe, expect, it } from "vitest";
import { composeStreamFilters } from "../../src/policy/stream-filters.js";
import type { StreamFilter } from "../../src/policy/types.js";

// Holds everything back until the end, then releases it with "cat" replaced by "dog".
const holdAll = (): StreamFilter => {
  let held = "";
  return {
    push: (text) => {
      held += text;
      return { action: "allow", text: "" };
    },
    end: () => ({ action: held.includes("cat") ? "redact" : "allow", text: held.replaceAll("cat", "dog"), reason: "no cats" }),
  };
};
const upper: StreamFilter = { push: (t) => ({ action: "allow", text: t.toUpperCase() }), end: () => ({ action: "allow", text: "" }) };

describe("composeStreamFilters", () => {
  it("feeds each filter the previous one's text and flushes held text through the rest", () => {
    const chain = composeStreamFilters([
      { policy: "hold", filter: holdAll() },
      { policy: "upper", filter: upper },
    ]);
    expect(chain.push("a c").text).toBe("");
    expect(chain.push("at").text).toBe("");
    const end = chain.end();
    expect(end).toMatchObject({ action: "redact", policy: "hold", text: "A DOG", reason: "no cats" });
  });

  it("stops at a deny and names its policy", () => {
    const deny: StreamFilter = { push: () => ({ action: "deny", text: "", code: "IRON_ERR_PII", reason: "secret" }), end: () => ({ action: "allow", text: "" }) };
    const chain = composeStreamFilters([
      { policy: "upper", filter: upper },
      { policy: "guard", filter: deny },
    ]);
    expect(chain.push("x")).toMatchObject({ action: "deny", policy: "guard", code: "IRON_ERR_PII" });
  });
});
