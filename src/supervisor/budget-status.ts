// "Budget left" for the shim's status(): the tightest of the budgets every call of an agent
// counts against (global, agent, run, and their day/month periods), sent in `welcome` and
// updated in every decision, in micro-dollars. Read straight from the ledger's balances (the same
// reads `balanceOf` makes), with the agent's scopes remembered by the plan for its run and day.
import type { BudgetPlan } from "../policy/budget-plan.js";
import type { WireBudget } from "../protocol/messages.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";

/** The agent's tightest budget now, or null when none of its scopes has a limit. */
export function budgetStatus(plan: BudgetPlan, ledger: BudgetLedger, agentId: string, run: number | null, now: number): WireBudget | null {
  const { scopes, limits } = plan.agentScopes(agentId, run, now);
  let tightest: WireBudget | null = null;
  for (const scope of scopes) {
    // The plan's limit counts before the first call of a period has pushed it to the ledger.
    const limit = ledger.limit(scope) ?? limits[scope] ?? null;
    if (limit === null) continue;
    const spent = ledger.spent(scope);
    const reserved = ledger.reserved(scope);
    const left = Math.max(0, limit - spent - reserved);
    if (tightest === null || left < tightest.left) tightest = { scope, limit, spent, reserved, left };
  }
  return tightest;
}
