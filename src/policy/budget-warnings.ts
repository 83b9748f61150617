// Budget warnings: which thresholds (50/80/90 % by default) a settled charge crossed, once each.
import type { ScopeBalance } from "./budget-ledger.js";
import type { BudgetWarning } from "./verdict.js";

/** Default warning thresholds, as fractions of a limit. */
export const DEFAULT_WARN_AT: readonly number[] = Object.freeze([0.5, 0.8, 0.9]);

/**
 * The thresholds each limited scope crossed when `charge` was added: spend before the charge
 * was below threshold × limit and is now at or above it. A settle is atomic, so each
 * crossing is reported by exactly one call.
 */
export function crossedThresholds(balances: readonly ScopeBalance[], charge: number, thresholds: readonly number[]): BudgetWarning[] {
  if (charge <= 0) return [];
  const warnings: BudgetWarning[] = [];
  for (const b of balances) {
    if (b.limit === null || b.limit <= 0) continue;
    const before = b.spent - charge;
    for (const t of thresholds) {
      const mark = t * b.limit;
      if (before < mark && b.spent >= mark) warnings.push({ scope: b.scope, threshold: t, spent: b.spent, limit: b.limit });
    }
  }
  return warnings;
}
