// Protects the stream's volume under per-user budgets: a call publishes `budget.update` only for
// the scopes its reservation and charge changed, not one event per scope ever seen — with a
// budget per user, one agent serving thousands of users must not emit thousands of events a call.
import { beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import type { IronEvent } from "../../src/events/types.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import { loadTokenizers } from "../../src/policy/tokens.js";
import type { LlmRequestMessage, LlmResponseMessage } from "../../src/protocol/messages.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { CallGovernor } from "../../src/supervisor/call-governor.js";
import { wireRequest, wireResponse } from "../helpers/wire-request.js";

beforeAll(() => loadTokenizers());

function request(id: number, user: string): LlmRequestMessage {
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], max_tokens: 10 };
  return wireRequest(id, { body, est_tokens: { input: 8, output: 10 }, library: "httpx", attrs: { user } });
}

function response(id: number): LlmResponseMessage {
  return wireResponse(id);
}

const updates: IronEvent[] = [];

// A bus whose budget.update events land in `updates` (emptied for each test).
function bus(): EventBus {
  updates.length = 0;
  const b = new EventBus();
  b.subscribe((event) => {
    if (event.type === "budget.update") updates.push(event);
  });
  return b;
}

describe("budget.update events", () => {
  it("name only the scopes a call touched, however many users came before", async () => {
    const ledger = new MemoryBudgetLedger();
    const plan = new BudgetPlan({ global: [{ micros: 1_000_000, period: "total" }], perAgent: [], perRun: [], perAttribute: { user: [{ micros: 100_000, period: "total" }] }, timeZone: "UTC" });
    const budget = budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: true, plan, runOf: () => null });
    const engine = new PolicyEngine({ builtins: [budget], ledger });
    const bus = new EventBus();
    const governor = new CallGovernor({ engine, bus, ledger });
    const updates: IronEvent[] = [];
    bus.subscribe((event) => {
      if (event.type === "budget.update") updates.push(event);
    });
    for (let user = 0; user < 40; user++) {
      expect((await governor.request("bot", request(user * 10, `u${user}`))).action).toBe("allow");
      await governor.response("bot", response(user * 10));
    }
    governor.flushBalances();
    updates.length = 0;
    await governor.request("bot", request(1000, "u7"));
    governor.flushBalances();
    const reserved = updates.map((u) => (u as { scope: string }).scope);
    updates.length = 0;
    await governor.response("bot", response(1000));
    governor.flushBalances();
    const settled = updates.map((u) => (u as { scope: string }).scope);
    // The agent's own scope is tracked (spend, no limit) and changes with every call of its.
    expect(reserved.sort()).toEqual(["agent:bot", "global", "user:u7"]);
    expect(settled.sort()).toEqual(["agent:bot", "global", "user:u7"]);
    // The last update of a scope is its true balance: nothing held, the charge spent.
    const last = updates.find((u) => (u as { scope: string }).scope === "user:u7");
    expect(last).toMatchObject({ scope: "user:u7", limit: 100_000, reserved: 0, spent: ledger.spent("user:u7") });
    expect(ledger.spent("user:u7")).toBeGreaterThan(0);
  });

  it("coalesce the holds and settles of calls made together: one update per scope, carrying the latest balance", async () => {
    const ledger = new MemoryBudgetLedger();
    const plan = new BudgetPlan({ global: [{ micros: 1_000_000, period: "total" }], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
    const budget = budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: true, plan, runOf: () => null });
    const governor = new CallGovernor({ engine: new PolicyEngine({ builtins: [budget], ledger }), bus: bus(), ledger });
    for (let call = 0; call < 5; call++) {
      await governor.request("bot", request(call * 10, "u"));
      await governor.response("bot", response(call * 10));
    }
    expect(updates).toEqual([]); // not one per hold and per settle: they wait to be coalesced
    await expect.poll(() => updates.length).toBe(2);
    expect(updates.map((u) => (u as { scope: string }).scope).sort()).toEqual(["agent:bot", "global"]);
    expect(updates.find((u) => (u as { scope: string }).scope === "global")).toMatchObject({ limit: 1_000_000, reserved: 0, spent: ledger.spent("global") });
    expect(ledger.spent("global")).toBeGreaterThan(0);
  });
});
