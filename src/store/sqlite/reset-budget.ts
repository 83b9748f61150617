// `iron budget reset`: budgets count spend recorded by earlier runs; this sets it back to zero for
// the scopes asked for, in a file no live supervisor holds. The call ledger keeps its history.
import { existsSync } from "node:fs";
import { IronError } from "../../errors.js";
import { isSameProcessAlive } from "../process-identity.js";
import { openDatabase, storeError } from "./database.js";
import { migrate } from "./migrations.js";

/** Which scopes to reset: named ones (each with its `@day:`/`@month:` periods), or all. */
export type BudgetSelector = { readonly scopes: readonly string[] } | { readonly all: true };

/** A scope whose spend was reset, with what it had spent (micro-dollars). */
export interface ResetScope {
  readonly scope: string;
  readonly spent: number;
}

/** Zeroes the spend of the selected scopes; returns them; throws IRON_ERR_NOT_FOUND or IRON_ERR_STORE. */
export function resetBudgetSpend(path: string, selector: BudgetSelector, now: number, dryRun = false): ResetScope[] {
  if (!existsSync(path)) throw new IronError("IRON_ERR_NOT_FOUND", `no state file at ${path} (iron run writes one; pass --state to choose another)`);
  const db = openDatabase(path);
  try {
    migrate(db);
    return db
      .transaction(() => {
        const open = db.prepare<[], { pid: number; proc_start: number | null }>("SELECT pid, proc_start FROM supervisors WHERE ended_at IS NULL").all();
        const live = open.find((row) => isSameProcessAlive(row.pid, row.proc_start));
        if (live !== undefined) {
          throw new IronError("IRON_ERR_STORE", `the state file ${path} is in use by a running supervisor (pid ${live.pid}); stop it first, or change its budgets live from its dashboard`);
        }
        const rows = db.prepare<[], ResetScope>("SELECT scope, spent_micros AS spent FROM budgets WHERE spent_micros > 0 ORDER BY scope").all();
        const chosen = "all" in selector ? rows : rows.filter((row) => selector.scopes.some((scope) => row.scope === scope || row.scope.startsWith(`${scope}@`)));
        if (!dryRun) {
          const reset = db.prepare("UPDATE budgets SET spent_micros = 0, updated_at = ? WHERE scope = ?");
          for (const row of chosen) reset.run(now, row.scope);
        }
        return chosen;
      })
      .immediate();
  } catch (error) {
    throw error instanceof IronError ? error : storeError(error, path, "resetting budget spend in");
  } finally {
    db.close();
  }
}
