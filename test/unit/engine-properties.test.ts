// Property tests of the engine's combiner: for any pipeline of allowing, denying, modifying,
// throwing (fail-closed or fail-open) and reserving policies, sync or async, the first
// refusal decides, modifications compose in order, inputs stay frozen, and a reservation
// is held exactly when the call is allowed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PolicyEngine } from "../../src/policy/engine.js";
import type { Policy, RequestDecision } from "../../src/policy/types.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { makeCall } from "../helpers/calls.js";

type Kind = "allow" | "deny" | "modify" | "throw" | "throwOpen" | "reserve" | "silent";
const KINDS: readonly Kind[] = ["allow", "deny", "modify", "throw", "throwOpen", "reserve", "silent"];

function policyOf(kind: Kind, index: number, async: boolean, seen: string[][]): Policy {
  const answer = (tags: string[]): RequestDecision | undefined => {
    switch (kind) {
      case "deny":
        return { action: "deny", code: "IRON_ERR_POLICY", reason: `p${index}` };
      case "modify":
        return { action: "modify", body: { tags: [...tags, `p${index}`] } };
      case "throw":
      case "throwOpen":
        throw new Error(`p${index} broke`);
      case "reserve":
        return { action: "allow", reserve: { scopes: ["global"], micros: 10 } };
      case "silent":
        return undefined;
      default:
        return { action: "allow" };
    }
  };
  return {
    name: `p${index}`,
    failOpen: kind === "throwOpen",
    onRequest(call) {
      const tags = (call.body as { tags: string[] }).tags;
      seen.push([...tags]);
      expect(Object.isFrozen(call.body)).toBe(true);
      return async ? Promise.resolve().then(() => answer(tags)) : answer(tags);
    },
    onResponse() {
      seen.push([`response p${index}`]);
    },
  };
}

describe("engine combiner properties", () => {
  it("first refusal wins; modifications compose in order; reservations held only when allowed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.boolean()), { maxLength: 8 }), async (specs) => {
        const ledger = new MemoryBudgetLedger();
        ledger.setLimit("global", 1_000);
        const seen: string[][] = [];
        const engine = new PolicyEngine({ builtins: [], ledger });
        for (const [i, [kind, async]] of specs.entries()) engine.use(policyOf(kind, i, async, seen));
        const call = makeCall({ body: { tags: [] } });
        const v = await engine.decideRequest(call);

        const stop = specs.findIndex(([kind]) => kind === "deny" || kind === "throw");
        const ran = stop < 0 ? specs : specs.slice(0, stop + 1);
        // Each policy saw the tags of the modifications before it, in order.
        let expected: string[] = [];
        ran.forEach(([kind], i) => {
          expect(seen[i]).toEqual(expected);
          if (kind === "modify") expected = [...expected, `p${i}`];
        });
        if (stop >= 0) {
          expect(v).toMatchObject({ action: "deny", policy: `p${stop}`, code: specs[stop]![0] === "deny" ? "IRON_ERR_POLICY" : "IRON_ERR_POLICY_ERROR" });
          expect(ledger.remaining("global")).toBe(1_000);
          return;
        }
        const lastModify = specs.map(([k]) => k).lastIndexOf("modify");
        expect(v.action).toBe(lastModify >= 0 ? "modify" : "allow");
        expect(v.policy).toBe(lastModify >= 0 ? `p${lastModify}` : null);
        if (lastModify >= 0) expect(v.body).toEqual({ tags: expected });
        expect(v.failures.map((f) => f.policy)).toEqual(specs.flatMap(([k], i) => (k === "throwOpen" ? [`p${i}`] : [])));
        const reserves = specs.some(([k]) => k === "reserve");
        expect(ledger.remaining("global")).toBe(reserves ? 990 : 1_000);

        seen.length = 0;
        await engine.decideResponse(v.call!, { status: 200, usage: null, output: "", body: null, latencyMs: 1, stream: false, complete: true, error: null, requestId: null, model: null });
        expect(seen.map((s) => s[0])).toEqual(specs.map((_, i) => `response p${i}`).reverse());
        expect(ledger.remaining("global")).toBe(1_000);
      }),
      { numRuns: 300 },
    );
  });
});
