// Protects the engine's combination rules: order, deny short-circuits, modify passes a copy
// on, failures deny (or are ignored when fail-open), reservations are atomic and settle.
import { describe, expect, it } from "vitest";
import { PolicyEngine } from "../../src/policy/engine.js";
import { allow, deny, modify, redact } from "../../src/policy/decisions.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import type { Policy } from "../../src/policy/types.js";
import { IronError } from "../../src/errors.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { makeCall, makeResult } from "../helpers/calls.js";

function engineWith(policies: Policy[], ledger = new MemoryBudgetLedger()): PolicyEngine {
  const engine = new PolicyEngine({ builtins: [], ledger, clock: () => 1000 });
  for (const p of policies) engine.use(p);
  return engine;
}

const plan = (): BudgetPlan => new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
const budget = (): Policy => budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 4096, capOutputTokens: true, plan: plan(), runOf: () => null });

describe("PolicyEngine request pipeline", () => {
  it("allows when every policy allows, and names no policy", async () => {
    const v = await engineWith([{ name: "a", onRequest: () => allow() }, { name: "b" }]).decideRequest(makeCall());
    expect(v.action).toBe("allow");
    expect(v.policy).toBeNull();
    expect(v.steps.map((s) => s.policy)).toEqual(["a"]);
  });

  it("stops at the first deny and reports its policy, code, reason and default status", async () => {
    const seen: string[] = [];
    const v = await engineWith([
      { name: "first", onRequest: () => void seen.push("first") },
      { name: "blocker", onRequest: () => deny("IRON_ERR_POLICY", "no gpt-4 here") },
      { name: "never", onRequest: () => void seen.push("never") },
    ]).decideRequest(makeCall());
    expect(v).toMatchObject({ action: "deny", policy: "blocker", code: "IRON_ERR_POLICY", reason: "no gpt-4 here", status: 403 });
    expect(seen).toEqual(["first"]);
  });

  it("passes a modified call to the next policy, and the modify carries the final body", async () => {
    let seenModel: string | null = null;
    const v = await engineWith([
      { name: "router", onRequest: (c) => modify({ ...(c.body as object), model: "gpt-4o-mini" }, "cheaper") },
      {
        name: "observer",
        onRequest: (c) => {
          seenModel = c.model;
        },
      },
    ]).decideRequest(makeCall({ model: "gpt-4o", body: { model: "gpt-4o", messages: [] } }));
    expect(seenModel).toBe("gpt-4o-mini");
    expect(v).toMatchObject({ action: "modify", policy: "router", reason: "cheaper", body: { model: "gpt-4o-mini", messages: [] } });
  });

  it("denies with IRON_ERR_POLICY_ERROR when a policy throws, unless it is fail-open", async () => {
    const boom: Policy = {
      name: "boom",
      onRequest: () => {
        throw new Error("kaput");
      },
    };
    const v = await engineWith([boom]).decideRequest(makeCall());
    expect(v).toMatchObject({ action: "deny", code: "IRON_ERR_POLICY_ERROR", policy: "boom", status: 503 });
    expect(v.failures).toEqual([{ policy: "boom", error: "kaput", timedOut: false, ignored: false }]);
    const open = await engineWith([{ ...boom, failOpen: true }]).decideRequest(makeCall());
    expect(open.action).toBe("allow");
    expect(open.failures[0]?.ignored).toBe(true);
  });

  it("denies when an async policy exceeds its time slice", async () => {
    const slow: Policy = { name: "slow", timeoutMs: 20, onRequest: () => new Promise((r) => setTimeout(() => r(allow()), 500)) };
    const v = await engineWith([slow]).decideRequest(makeCall());
    expect(v).toMatchObject({ action: "deny", code: "IRON_ERR_POLICY_ERROR" });
    expect(v.failures[0]?.timedOut).toBe(true);
  });

  it("removes a policy with the function use() returns", async () => {
    const engine = engineWith([]);
    const remove = engine.use({ name: "x", onRequest: () => deny("IRON_ERR_POLICY", "x") });
    expect((await engine.decideRequest(makeCall())).action).toBe("deny");
    remove();
    expect((await engine.decideRequest(makeCall())).action).toBe("allow");
  });
});

describe("budget reservations", () => {
  it("runs each policy's onRequest once, even when a later policy reroutes a call an earlier one priced", async () => {
    const runs: string[] = [];
    const ledger = new MemoryBudgetLedger();
    const v = await engineWith(
      [
        {
          name: "pricer",
          onRequest: () => {
            runs.push("pricer");
            return { action: "allow", reserve: { scopes: ["global"], micros: 10 } };
          },
        },
        {
          name: "router",
          onRequest: (c) => {
            runs.push("router");
            return modify({ ...(c.body as object), model: "gpt-4o-mini" }, "cheaper");
          },
        },
      ],
      ledger,
    ).decideRequest(makeCall({ model: "gpt-4o", body: { model: "gpt-4o", messages: [] } }));
    expect(runs).toEqual(["pricer", "router"]);
    // Its outcome is kept: the hold it asked for is made once the pipeline allowed the call.
    expect(v).toMatchObject({ action: "modify", policy: "router", micros: 10 });
    expect(ledger.balances()).toEqual([{ scope: "global", limit: null, spent: 0, reserved: 10 }]);
  });

  it("has the budget re-price a rerouted call through its reprice hook, not a second onRequest", async () => {
    const ledger = new MemoryBudgetLedger();
    const v = await engineWith([budget(), { name: "router", onRequest: (c) => modify({ ...(c.body as object), model: "gpt-4o-mini" }, "cheaper") }], ledger).decideRequest(
      makeCall({ model: "gpt-4o", body: { model: "gpt-4o", messages: [{ role: "user", content: "hi" }], max_tokens: 100 } }),
    );
    // gpt-4o-mini's worst case (62, as below), not gpt-4o's: what goes out is what is held.
    expect(v).toMatchObject({ action: "modify", micros: 62 });
    expect(v.steps.map((s) => s.policy)).toEqual(["budget", "router"]);
  });

  it("denies 503 IRON_ERR_STORE in both directions when the ledger cannot write", async () => {
    // The seam a failed state file shows the engine: the ledger throws IRON_ERR_STORE.
    class BrokenLedger extends MemoryBudgetLedger {
      broken = false;
      override reserve(callId: string, scopes: readonly string[], micros: number) {
        if (this.broken) throw new IronError("IRON_ERR_STORE", "the disk holding the state file is full");
        return super.reserve(callId, scopes, micros);
      }
      override settle(callId: string, micros: number) {
        if (this.broken) throw new IronError("IRON_ERR_STORE", "the disk holding the state file is full");
        return super.settle(callId, micros);
      }
    }
    const ledger = new BrokenLedger();
    const engine = engineWith([budget()], ledger);
    const call = makeCall();
    expect(await engine.decideRequest(call)).toMatchObject({ action: "allow" });
    ledger.broken = true;
    const refused = {
      action: "deny",
      policy: "store",
      code: "IRON_ERR_STORE",
      status: 503,
      reason: "iron cannot record calls, so none is allowed: IRON_ERR_STORE: the disk holding the state file is full",
    };
    expect(await engine.decideResponse(call, makeResult(10, 50))).toMatchObject(refused);
    expect(await engine.decideRequest(makeCall())).toMatchObject(refused);
  });

  it("reserves the worst case, settles the real cost, and denies once spent", async () => {
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("agent:agent-a", 200); // 200 micro-dollars
    const engine = engineWith([budget()], ledger);
    // gpt-4o-mini: 7 prompt tokens (3 to prime the reply + 3 message framing + "hi") × 0.15
    // + 100 max output × 0.60 = 61.05 → 62 micro-dollars worst case
    const call = makeCall();
    const v = await engine.decideRequest(call);
    expect(v).toMatchObject({ action: "allow", micros: 62 });
    expect(ledger.remaining("agent:agent-a")).toBe(138);
    const r = await engine.decideResponse(call, makeResult(10, 50)); // 1.5 + 30 = 31.5 → 32
    expect(r.micros).toBe(32);
    expect(ledger.spent("agent:agent-a")).toBe(32);
    expect(ledger.remaining("agent:agent-a")).toBe(168);
    const big = await engine.decideRequest(makeCall({ body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_tokens: 1000 } }));
    expect(big).toMatchObject({ action: "deny", code: "IRON_ERR_BUDGET", status: 402, policy: "budget" });
    expect(big.reason).toMatch(/worst-case cost \$0\.000602 exceeds the \$0\.000168 left/);
    expect(big.exhausted).toEqual({ scope: "agent:agent-a", limit: 200, spent: 32 });
  });

  it("never overshoots with many concurrent calls at a nearly spent budget", async () => {
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("global", 1000);
    const engine = engineWith([budget()], ledger);
    const calls = Array.from({ length: 50 }, () => makeCall());
    const verdicts = await Promise.all(calls.map((c) => engine.decideRequest(c)));
    const allowed = calls.filter((_, i) => verdicts[i]?.action === "allow");
    expect(allowed.length).toBe(16); // 16 × 62 = 992 ≤ 1000 < 17 × 62
    await Promise.all(allowed.map((c) => engine.decideResponse(c, makeResult(10, 100))));
    expect(ledger.spent("global")).toBeLessThanOrEqual(1000);
  });

  it("does not hold a reservation when a later policy denies", async () => {
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("global", 1000);
    const engine = engineWith([budget(), { name: "no", onRequest: () => deny("IRON_ERR_POLICY", "no") }], ledger);
    await engine.decideRequest(makeCall());
    expect(ledger.remaining("global")).toBe(1000);
  });

  it("refuses an unknown model when configured to, and never prices it at $0", async () => {
    const v = await engineWith([budget()]).decideRequest(makeCall({ model: "my-local-llama" }));
    expect(v).toMatchObject({ action: "deny", code: "IRON_ERR_UNKNOWN_MODEL", status: 400 });
  });

  it("prices dated model ids as their family", async () => {
    const ledger = new MemoryBudgetLedger();
    const engine = engineWith([budget()], ledger);
    const call = makeCall({ model: "gpt-4o-2024-08-06" });
    expect((await engine.decideRequest(call)).micros).toBe(Math.ceil(7 * 2.5 + 100 * 10));
  });

  it("releases the reservation of an abandoned call", async () => {
    const ledger = new MemoryBudgetLedger();
    ledger.setLimit("global", 500);
    const engine = engineWith([budget()], ledger);
    const call = makeCall();
    await engine.decideRequest(call);
    expect(ledger.remaining("global")).toBe(438);
    engine.release(call.id);
    expect(ledger.remaining("global")).toBe(500);
    expect(ledger.spent("global")).toBe(0);
  });
});

describe("PolicyEngine response pipeline", () => {
  it("runs in reverse order and returns the redacted body and output", async () => {
    const order: string[] = [];
    const v = await engineWith([
      { name: "first", onResponse: () => void order.push("first") },
      {
        name: "second",
        onResponse: () => {
          order.push("second");
          return redact({ text: "[EMAIL_1]" }, { output: "[EMAIL_1]", reason: "1 email" });
        },
      },
    ]).decideResponse(makeCall(), makeResult(1, 1));
    expect(order).toEqual(["second", "first"]);
    expect(v).toMatchObject({ action: "redact", policy: "second", body: { text: "[EMAIL_1]" }, output: "[EMAIL_1]" });
  });
});

describe("frozen inputs", () => {
  it("custom policies get frozen inputs, also one added after the call's request was decided; built-ins alone skip the freezing", async () => {
    const engine = new PolicyEngine({ builtins: [{ name: "builtin", onRequest: () => allow() }], ledger: new MemoryBudgetLedger() });
    const call = makeCall({ body: { messages: [{ role: "user", content: "hi" }] } });
    const v = await engine.decideRequest(call);
    // Only built-ins ran: they never change their inputs, so nothing was walked to freeze it.
    expect(Object.isFrozen(call.body)).toBe(false);
    const seen: boolean[] = [];
    engine.use({
      name: "custom",
      onResponse: (c, r) => {
        seen.push(Object.isFrozen(c), Object.isFrozen((c.body as { messages: object[] }).messages[0]), Object.isFrozen(r));
      },
    });
    await engine.decideResponse(v.call ?? call, makeResult(1, 1));
    expect(seen).toEqual([true, true, true]);
    const later = makeCall({ body: { messages: [{ role: "user", content: "again" }] } });
    await engine.decideRequest(later);
    expect(Object.isFrozen((later.body as { messages: object[] }).messages[0])).toBe(true);
  });
});
