// `iron budget reset`: budgets count spend recorded by earlier runs; this sets it back to zero for
// the scopes asked for, in a file no live supervisor holds (one that is live is asked through its
// control API instead, so its budgets in memory and the file agree). The ledger keeps its history.
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { IronError } from "../../errors.js";
import { selects, type BudgetSelector, type ResetScope } from "../../policy/budget-ledger.js";
import { isSameProcessAlive } from "../process-identity.js";
import { openDatabase, storeError, type Db } from "./database.js";
import { migrate } from "./migrations.js";

export type { BudgetSelector, ResetScope };

/** The pid of the live supervisor holding the state file, or null when none does (or there is no file). */
export function liveSupervisorOf(path: string): number | null {
  if (!existsSync(path)) return null;
  let db: Db | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return liveIn(db);
  } catch (error) {
    throw storeError(error, path, "looking for a supervisor holding");
  } finally {
    db?.close();
  }
}

function liveIn(db: Db): number | null {
  const open = db.prepare<[], { pid: number; proc_start: number | null }>("SELECT pid, proc_start FROM supervisors WHERE ended_at IS NULL").all();
  return open.find((row) => isSameProcessAlive(row.pid, row.proc_start))?.pid ?? null;
}

/**
 * Zeroes the spend of the selected scopes; returns them; throws IRON_ERR_NOT_FOUND, or
 * IRON_ERR_STORE when a live supervisor holds the file. A dry run only reads, live or not.
 */
export function resetBudgetSpend(path: string, selector: BudgetSelector, now: number, dryRun = false): ResetScope[] {
  if (!existsSync(path)) throw new IronError("IRON_ERR_NOT_FOUND", `no state file at ${path} (iron run writes one; pass --state to choose another)`);
  const db = dryRun ? new Database(path, { readonly: true, fileMustExist: true }) : openDatabase(path);
  try {
    if (!dryRun) migrate(db);
    return db
      .transaction(() => {
        const live = dryRun ? null : liveIn(db);
        if (live !== null) {
          throw new IronError("IRON_ERR_STORE", `the state file ${path} is in use by a running supervisor (pid ${live}); stop it first, or change its budgets live from its dashboard`);
        }
        const rows = db.prepare<[], ResetScope>("SELECT scope, spent_micros AS spent FROM budgets WHERE spent_micros > 0 ORDER BY scope").all();
        const chosen = rows.filter((row) => selects(selector, row.scope));
        if (!dryRun) {
          const reset = db.prepare("UPDATE budgets SET spent_micros = 0, updated_at = ? WHERE scope = ?");
          for (const row of chosen) reset.run(now, row.scope);
        }
        return chosen;
      })
      [dryRun ? "deferred" : "immediate"]();
  } catch (error) {
    throw error instanceof IronError ? error : storeError(error, path, "resetting budget spend in");
  } finally {
    db.close();
  }
}
