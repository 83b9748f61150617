// `iron budget reset` on a fleet: zeroes the recorded spend of the selected scopes (each with its
// @day:/@month: periods) in the database, in one transaction, and tells every running supervisor
// (NOTIFY at commit) to read the spend back. Leases are untouched: what is lent stays lent.
import type pg from "pg";
import { selects, type BudgetSelector, type ResetScope } from "../../policy/budget-ledger.js";
import { DB_NOW, inTransaction } from "./lease-sql.js";
import { BUDGET_CHANNEL } from "./lease-types.js";
import { withFleet } from "./fleet-queries.js";

const NOTIFY_BYTES = 7_000;

/** Zeroes the spend of the selected scopes (a dry run only reads); returns them with what each had spent. */
export function resetFleetBudgetSpend(url: string, selector: BudgetSelector, dryRun = false): Promise<ResetScope[]> {
  return withFleet(url, (pool) => resetSpendIn(pool, selector, dryRun), "resetting budget spend in");
}

/** The same on an open pool (a running supervisor of the fleet resetting from its dashboard or API). */
export function resetSpendIn(pool: pg.Pool, selector: BudgetSelector, dryRun = false): Promise<ResetScope[]> {
  return inTransaction(pool, (c) => zeroSpend(c, selector, dryRun), dryRun ? "BEGIN READ ONLY" : "BEGIN");
}

// Inside the transaction: the chosen scopes with what each had spent, zeroed unless a dry run.
async function zeroSpend(c: pg.PoolClient, selector: BudgetSelector, dryRun: boolean): Promise<ResetScope[]> {
  const { rows } = await c.query<{ scope: string; spent: string }>(`SELECT scope, spent_micros AS spent FROM budgets WHERE spent_micros > 0 ORDER BY scope ${dryRun ? "" : "FOR UPDATE"}`);
  const chosen = rows.filter((row) => selects(selector, row.scope)).map((row) => ({ scope: row.scope, spent: Number(row.spent) }));
  if (!dryRun && chosen.length > 0) {
    const scopes = chosen.map((row) => row.scope);
    await c.query(`UPDATE budgets SET spent_micros = 0, updated_at = ${DB_NOW} WHERE scope = ANY($1)`, [scopes]);
    // A NOTIFY payload holds under 8 000 bytes: beyond that, every supervisor reads back all it keeps.
    const named = JSON.stringify({ kind: "reset", scopes });
    await c.query("SELECT pg_notify($1, $2)", [BUDGET_CHANNEL, named.length <= NOTIFY_BYTES ? named : JSON.stringify({ kind: "reset", all: true })]);
  }
  return chosen;
}
