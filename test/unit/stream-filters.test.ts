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

  it("hands a read's deltas to a lone filter that takes them at once, and stops at its deny", () => {
    const seen: string[][] = [];
    const batch = {
      push: (text: string) => ({ action: "allow" as const, text }),
      pushMany: (texts: readonly string[]) => {
        seen.push([...texts]);
        return texts.map((text) => (text === "no" ? { action: "deny" as const, text: "", code: "IRON_ERR_PII", reason: "x" } : { action: "allow" as const, text }));
      },
      end: () => ({ action: "allow" as const, text: "" }),
    };
    const chain = composeStreamFilters([{ policy: "lone", filter: batch }]);
    expect(chain.pushMany(["a", "b"]).map((v) => v.text)).toEqual(["a", "b"]);
    expect(chain.pushMany(["c", "no", "d"]).map((v) => [v.action, v.policy])).toEqual([
      ["allow", null],
      ["deny", "lone"],
    ]);
    expect(seen).toEqual([
      ["a", "b"],
      ["c", "no", "d"],
    ]);
    // Two filters: delta by delta through the chain, as push() does.
    const two = composeStreamFilters([
      { policy: "lone", filter: batch },
      { policy: "upper", filter: upper },
    ]);
    expect(two.pushMany(["x", "y"]).map((v) => v.text)).toEqual(["X", "Y"]);
    expect(seen).toHaveLength(2);
  });
});
