// Protects "budget left" as the shim's status() shows it: the tightest of the scopes every call
// of the agent counts against (global, agent, run, their periods) — limits from the plan or the
// ledger, spend and reservations from the ledger — and none when nothing is limited.
import { describe, expect, it } from "vitest";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { budgetStatus } from "../../src/supervisor/budget-status.js";

const NOW = Date.UTC(2026, 10, 27, 12);

describe("budget status", () => {
  it("is the scope with the least left, attribute scopes aside", () => {
    const plan = new BudgetPlan({
      global: [{ micros: 1_000_000, period: "total" }],
      perAgent: [{ micros: 50_000, period: "day" }],
      perRun: [],
      perAttribute: { user: [{ micros: 10, period: "total" }] },
      timeZone: "UTC",
    });
    const ledger = new MemoryBudgetLedger();
    expect(budgetStatus(plan, ledger, "a", null, NOW)).toEqual({ scope: "agent:a@day:2026-11-27", limit: 50_000, spent: 0, reserved: 0, left: 50_000 });
    ledger.setLimit("global", 1_000_000);
    ledger.setLimit("agent:a@day:2026-11-27", 50_000);
    ledger.reserve("c1", ["global", "agent:a@day:2026-11-27"], 20_000);
    ledger.settle("c1", 15_000);
    ledger.reserve("c2", ["global", "agent:a@day:2026-11-27"], 30_000);
    expect(budgetStatus(plan, ledger, "a", null, NOW)).toEqual({ scope: "agent:a@day:2026-11-27", limit: 50_000, spent: 15_000, reserved: 30_000, left: 5_000 });
    // A limit set on the ledger only (sup.budgets.setLimit) counts too.
    ledger.setLimit("agent:a", 1_000);
    expect(budgetStatus(plan, ledger, "a", null, NOW)).toMatchObject({ scope: "agent:a", left: 1_000 });
  });

  it("reads what is held from the ledger, also while the limit is the plan's alone", () => {
    // A hold on a scope the ledger has no limit for yet (sup.budgets reads, or a limit cleared
    // on the ledger while the plan still has one) is still held: "left" must not count it as free.
    const plan = new BudgetPlan({ global: [], perAgent: [{ micros: 50_000, period: "total" }], perRun: [], perAttribute: {}, timeZone: "UTC" });
    const ledger = new MemoryBudgetLedger();
    ledger.reserve("c1", ["agent:a"], 20_000);
    expect(budgetStatus(plan, ledger, "a", null, NOW)).toEqual({ scope: "agent:a", limit: 50_000, spent: 0, reserved: 20_000, left: 30_000 });
  });

  it("is null when no scope of the agent has a limit", () => {
    const plan = new BudgetPlan({ global: [], perAgent: [], perRun: [], perAttribute: { user: [{ micros: 10, period: "total" }] }, timeZone: "UTC" });
    expect(budgetStatus(plan, new MemoryBudgetLedger(), "a", 1, NOW)).toBeNull();
  });

  it("follows the agent's run, the day, and limits changed since it was last asked", () => {
    const plan = new BudgetPlan({ global: [], perAgent: [{ micros: 9_000, period: "day" }], perRun: [{ micros: 5_000, period: "total" }], perAttribute: {}, timeZone: "UTC" });
    const ledger = new MemoryBudgetLedger();
    ledger.reserve("c1", ["run:a#1"], 1_000);
    expect(budgetStatus(plan, ledger, "a", 1, NOW)).toMatchObject({ scope: "run:a#1", left: 4_000 });
    expect(budgetStatus(plan, ledger, "a", 2, NOW)).toMatchObject({ scope: "run:a#2", left: 5_000 });
    ledger.reserve("c2", ["agent:a@day:2026-11-28"], 8_000);
    expect(budgetStatus(plan, ledger, "a", 2, NOW + 86_400_000)).toMatchObject({ scope: "agent:a@day:2026-11-28", left: 1_000 });
    plan.setAgentLimit("a", 100);
    expect(budgetStatus(plan, ledger, "a", 2, NOW)).toMatchObject({ scope: "agent:a", left: 100 });
    plan.overrideLimit("agent:a", 50);
    expect(budgetStatus(plan, ledger, "a", 2, NOW)).toMatchObject({ scope: "agent:a", left: 50 });
  });
});
