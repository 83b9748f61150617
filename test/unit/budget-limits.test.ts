// Protects the one place budget limits are set: the plan (what a call is priced against) and
// the ledger (what a reservation is checked against) change together, so the shim's "budget
// left" and the deny a call meets never disagree about a limit.
import { describe, expect, it } from "vitest";
import { BudgetLimits } from "../../src/policy/budget-limits.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";

const NOW = Date.UTC(2026, 10, 27, 12);
const setup = (): { limits: BudgetLimits; ledger: MemoryBudgetLedger } => {
  const ledger = new MemoryBudgetLedger();
  const plan = new BudgetPlan({ global: [], perAgent: [{ micros: 50_000, period: "total" }], perRun: [], perAttribute: {}, timeZone: "UTC" });
  return { limits: new BudgetLimits(plan, ledger), ledger };
};

describe("budget limits", () => {
  it("starts the global limit at the tightest total, and clears one left in the ledger when none is configured", () => {
    const { limits, ledger } = setup();
    limits.startGlobal([3_000, 2_000]);
    expect(ledger.limit("global")).toBe(2_000);
    limits.startGlobal([]);
    expect(ledger.limit("global")).toBeNull();
  });

  it("sets an agent's own budget in the plan and the ledger together", () => {
    const { limits, ledger } = setup();
    limits.setAgent("a", 7_000);
    expect(ledger.limit("agent:a")).toBe(7_000);
    expect(limits.plan.agentScopes("a", null, NOW).limits["agent:a"]).toBe(7_000);
  });

  it("sets an operator's limit for a scope in both, and null removes it from both", () => {
    const { limits, ledger } = setup();
    limits.setScope("agent:a", 9_000);
    expect([ledger.limit("agent:a"), limits.plan.agentScopes("a", null, NOW).limits["agent:a"]]).toEqual([9_000, 9_000]);
    limits.setScope("agent:a", null);
    expect(ledger.limit("agent:a")).toBeNull();
    expect(limits.plan.agentScopes("a", null, NOW).limits["agent:a"] ?? null).toBeNull();
  });
});

describe("a call's scopes without attribute budgets", () => {
  // They are the agent's scopes, remembered per run and day: each must still be what the plan gives afresh.
  it("follow the day, the run, an agent's own budget and an operator's override", () => {
    const options = {
      global: [{ micros: 9_000, period: "day" as const }],
      perAgent: [{ micros: 50_000, period: "total" as const }],
      perRun: [{ micros: 7_000, period: "total" as const }],
      perAttribute: {},
      timeZone: "UTC",
    };
    const plan = new BudgetPlan(options);
    const call = { agentId: "a", attrs: { user: "u42" } } as unknown as Parameters<BudgetPlan["scopesFor"]>[0];
    const fresh = (run: number, now: number, change?: (p: BudgetPlan) => void) => {
      const p = new BudgetPlan(options);
      change?.(p);
      return p.scopesFor(call, run, now);
    };
    expect(plan.scopesFor(call, 1, NOW)).toEqual(fresh(1, NOW));
    expect(plan.scopesFor(call, 1, NOW)).toEqual(fresh(1, NOW));
    expect(plan.scopesFor(call, 1, NOW + 86_400_000)).toEqual(fresh(1, NOW + 86_400_000));
    expect(plan.scopesFor(call, 2, NOW)).toEqual(fresh(2, NOW));
    plan.setAgentLimit("a", 1_000);
    expect(plan.scopesFor(call, 2, NOW)).toEqual(fresh(2, NOW, (p) => p.setAgentLimit("a", 1_000)));
    expect(plan.scopesFor(call, 2, NOW).limits["agent:a"]).toBe(1_000);
    plan.overrideLimit("run:a#2", null);
    expect(plan.scopesFor(call, 2, NOW).limits["run:a#2"]).toBeNull();
    expect(plan.scopesFor(call, 2, NOW).scopes).not.toContain("user:u42");
  });
});
