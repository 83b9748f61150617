// "Budget left" for the shim's status(): the tightest of the budgets every call of an agent
// counts against (global, agent, run, and their day/month periods), sent in `welcome` and
// updated in every decision, in micro-dollars.
import type { BudgetPlan } from "../policy/budget-plan.js";
import type { WireBudget } from "../protocol/messages.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";

/** The agent's tightest budget now, or null when none of its scopes has a limit. */
export function budgetStatus(plan: BudgetPlan, ledger: BudgetLedger, agentId: string, run: number | null, now: number): WireBudget | null {
  const { scopes, limits } = plan.agentScopes(agentId, run, now);
  let tightest: WireBudget | null = null;
  for (const scope of scopes) {
    const limit = ledger.limit(scope) ?? limits[scope] ?? null;
    if (limit === null) continue;
    const spent = ledger.spent(scope);
    const remaining = ledger.limit(scope) === null ? limit - spent : (ledger.remaining(scope) ?? limit - spent);
    const left = Math.max(0, remaining);
    if (tightest === null || left < tightest.left) tightest = { scope, limit, spent, reserved: Math.max(0, limit - spent - remaining), left };
  }
  return tightest;
}
