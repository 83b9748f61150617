// What a budget's Reset says once done: the spend the scope had before (budget.reset answers
// each scope it zeroed, the scope itself and its @day:/@month: periods, with what each had spent).
import type { ResetScope } from "../../../src/policy/budget-ledger.js";
import { formatUsd } from "./format.js";

/** "spend reset: was $0.0123 (and 2 periods)", or that there was nothing to reset. */
export function resetSummary(scope: string, reset: readonly ResetScope[]): string {
  if (reset.length === 0) return "nothing to reset: no spend recorded";
  const own = reset.find((r) => r.scope === scope);
  const periods = reset.length - (own === undefined ? 0 : 1);
  const also = periods === 0 ? "" : ` (and ${periods} period${periods === 1 ? "" : "s"})`;
  return `spend reset: was ${formatUsd(own?.spent ?? 0)}${also}`;
}
