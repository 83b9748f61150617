// A decision in which nothing waits is returned directly (no promise, no microtask hop); one in
// which a policy, a rate-limit delay or the ledger really waits is a promise with the same verdict.
import { describe, expect, it } from "vitest";
import { IronError } from "../../src/errors.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { allow, deny, modify, redact } from "../../src/policy/decisions.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import type { Policy } from "../../src/policy/types.js";
import type { Verdict } from "../../src/policy/verdict.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { makeCall, makeResult } from "../helpers/calls.js";

const plan = (): BudgetPlan => new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
const budget = (): Policy => budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 4096, capOutputTokens: true, plan: plan(), runOf: () => null });

function engineWith(policies: Policy[], options: { ledger?: MemoryBudgetLedger; sleep?: (ms: number) => Promise<void> } = {}): PolicyEngine {
  const ledger = options.ledger ?? new MemoryBudgetLedger();
  ledger.setLimit("global", 1_000_000);
  const engine = new PolicyEngine({ builtins: [], ledger, clock: () => 1000, ...(options.sleep ? { sleep: options.sleep } : {}) });
  for (const p of policies) engine.use(p);
  return engine;
}

// A rerouting policy, then one that watches, then the budget (which reserves and settles).
function pipeline(later: "sync" | "async"): Policy[] {
  const answer = <T>(value: T): T | Promise<T> => (later === "async" ? Promise.resolve(value) : value);
  return [
    { name: "router", onRequest: (c) => modify({ ...(c.body as object), model: "gpt-4o-mini" }, "cheaper") },
    budget(),
    { name: "watcher", onRequest: () => answer(allow("seen")), onResponse: () => answer(redact({ text: "[x]" }, { output: "[x]", reason: "scrubbed" })) },
  ];
}

// Steps carry how long each policy took; everything else must be the same.
const timeless = (v: Verdict): Verdict => ({ ...v, steps: v.steps.map((s) => ({ ...s, ms: 0 })) });

describe("PolicyEngine answers synchronously when nothing waits", () => {
  it("returns the request and response verdicts directly with only synchronous policies", () => {
    const engine = engineWith(pipeline("sync"));
    const call = makeCall({ model: "gpt-4o", body: { model: "gpt-4o", messages: [] } });
    const request = engine.decideRequest(call);
    expect(request).not.toBeInstanceOf(Promise);
    const v = request as Verdict;
    expect(v).toMatchObject({ action: "modify", body: { model: "gpt-4o-mini", messages: [] } });
    expect(v.micros).toBeGreaterThan(0);
    const response = engine.decideResponse(v.call ?? call, makeResult(10, 5));
    expect(response).not.toBeInstanceOf(Promise);
    expect(response).toMatchObject({ action: "redact", policy: "watcher", output: "[x]" });
  });

  it("returns a promise of the same verdicts when one custom policy is async", async () => {
    const call = () => makeCall({ id: "same-call", model: "gpt-4o", body: { model: "gpt-4o", messages: [] } });
    const sync = engineWith(pipeline("sync"));
    const async = engineWith(pipeline("async"));
    const expectedRequest = sync.decideRequest(call()) as Verdict;
    const request = async.decideRequest(call());
    expect(request).toBeInstanceOf(Promise);
    const v = await request;
    expect(timeless(v)).toEqual(timeless(expectedRequest));
    const expectedResponse = sync.decideResponse(expectedRequest.call ?? call(), makeResult(10, 5)) as Verdict;
    const response = async.decideResponse(v.call ?? call(), makeResult(10, 5));
    expect(response).toBeInstanceOf(Promise);
    expect(timeless(await response)).toEqual(timeless(expectedResponse));
  });

  it("keeps a throwing policy's failure and a denial synchronous", () => {
    const throwing = engineWith([
      {
        name: "boom",
        onRequest: () => {
          throw new Error("kaput");
        },
      },
    ]);
    const failed = throwing.decideRequest(makeCall());
    expect(failed).not.toBeInstanceOf(Promise);
    expect(failed).toMatchObject({ action: "deny", code: "IRON_ERR_POLICY_ERROR", failures: [{ policy: "boom", error: "kaput", timedOut: false }] });
    const denied = engineWith([{ name: "no", onRequest: () => deny("IRON_ERR_POLICY", "not today") }]).decideRequest(makeCall());
    expect(denied).not.toBeInstanceOf(Promise);
    expect(denied).toMatchObject({ action: "deny", policy: "no", status: 403 });
  });

  it("waits out an async policy's time slice, a rejection and a rate-limit delay as a promise", async () => {
    const slow = engineWith([{ name: "slow", timeoutMs: 5, onRequest: () => new Promise<undefined>(() => undefined) }]).decideRequest(makeCall());
    expect(slow).toBeInstanceOf(Promise);
    expect(await slow).toMatchObject({ action: "deny", code: "IRON_ERR_POLICY_ERROR", failures: [{ policy: "slow", timedOut: true }] });
    const rejecting = engineWith([{ name: "rejects", failOpen: true, onRequest: () => Promise.reject(new Error("later")) }]).decideRequest(makeCall());
    expect(rejecting).toBeInstanceOf(Promise);
    expect(await rejecting).toMatchObject({ action: "allow", failures: [{ policy: "rejects", error: "later", ignored: true }] });
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    const delayed = engineWith([{ name: "rate", onRequest: () => ({ action: "allow", delayMs: 7 }) }], { sleep }).decideRequest(makeCall());
    expect(delayed).toBeInstanceOf(Promise);
    expect(await delayed).toMatchObject({ action: "allow", delayMs: 7 });
    expect(slept).toEqual([7]);
  });

  it("turns a store failure into the 503 deny directly, and any other error into a rejection", async () => {
    class BrokenLedger extends MemoryBudgetLedger {
      error: Error | null = null;
      override reserve(callId: string, scopes: readonly string[], micros: number) {
        if (this.error !== null) throw this.error;
        return super.reserve(callId, scopes, micros);
      }
    }
    const ledger = new BrokenLedger();
    const engine = engineWith([budget()], { ledger });
    ledger.error = new IronError("IRON_ERR_STORE", "the disk is full");
    const refused = engine.decideRequest(makeCall());
    expect(refused).not.toBeInstanceOf(Promise);
    expect(refused).toMatchObject({ action: "deny", policy: "store", code: "IRON_ERR_STORE", status: 503 });
    ledger.error = new Error("a bug");
    const broken = engine.decideRequest(makeCall());
    expect(broken).toBeInstanceOf(Promise);
    await expect(broken).rejects.toThrow("a bug");
  });

  it("waits for a fleet ledger's acquire, and a store failure it rejects with is still the 503 deny", async () => {
    class FleetLedger extends MemoryBudgetLedger {
      readonly acquire = (callId: string, scopes: readonly string[], micros: number) => {
        if (this.down) return Promise.reject(new IronError("IRON_ERR_STORE", "the database is down"));
        this.setLimit("global", 1_000_000);
        return Promise.resolve(this.reserve(callId, scopes, micros));
      };
      down = false;
    }
    const ledger = new FleetLedger();
    const engine = engineWith([budget()], { ledger });
    ledger.setLimit("global", 1); // the local slice is short: the engine asks the fleet for more
    const granted = engine.decideRequest(makeCall());
    expect(granted).toBeInstanceOf(Promise);
    expect(await granted).toMatchObject({ action: "allow", failures: [] });
    ledger.setLimit("global", 1);
    ledger.down = true;
    const refused = engine.decideRequest(makeCall());
    expect(refused).toBeInstanceOf(Promise);
    expect(await refused).toMatchObject({ action: "deny", policy: "store", code: "IRON_ERR_STORE", status: 503 });
  });
});
