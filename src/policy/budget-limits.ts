// The one place budget limits are set. The plan (what iron.yaml and --budget say, and what an
// operator changed since) and the ledger (what reservations are checked against) must agree,
// so every change goes through here and writes both. Period, run and attribute scopes reach
// the ledger when a call first reserves in them (the budget policy's reservation carries them).
import type { BudgetLedger } from "./budget-ledger.js";
import type { BudgetPlan } from "./budget-plan.js";

/** Sets limits in the plan and the ledger together. */
export class BudgetLimits {
  readonly plan: BudgetPlan;
  readonly #ledger: BudgetLedger;

  constructor(plan: BudgetPlan, ledger: BudgetLedger) {
    this.plan = plan;
    this.#ledger = ledger;
  }

  /** At start: the global limit is the tightest configured total, or none (a stored one is dropped). */
  startGlobal(totals: readonly number[]): void {
    this.#ledger.setLimit("global", totals.length > 0 ? Math.min(...totals) : null);
  }

  /** An agent's own budget (spawn's budgetUsd), replacing budgets.per_agent's total for it. */
  setAgent(agentId: string, micros: number | null): void {
    this.plan.setAgentLimit(agentId, micros);
    this.#ledger.setLimit(`agent:${agentId}`, micros);
  }

  /** An operator's limit for any scope (budget.set, sup.budgets.setLimit); null removes it. */
  setScope(scope: string, micros: number | null): void {
    this.plan.overrideLimit(scope, micros);
    this.#ledger.setLimit(scope, micros);
  }
}
