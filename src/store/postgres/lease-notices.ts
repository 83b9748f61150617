// What the supervisors of a fleet tell each other about budgets (NOTIFY on iron_budget): a scope
// is short (pressure), budget was given back (returned), a limit changed (limit), spend was reset
// (reset, sent by fleet-budget-reset.ts in its transaction). Read from and written to JSON here.
import type pg from "pg";
import { BUDGET_CHANNEL } from "./lease-types.js";

/** A budget notice as a supervisor acts on it. */
export type BudgetNotice =
  | { readonly kind: "pressure"; readonly from: number | undefined; readonly key: string }
  | { readonly kind: "returned" }
  | { readonly kind: "limit"; readonly from: number | undefined; readonly key: string; readonly limit: number }
  | { readonly kind: "reset"; readonly scopes: readonly string[] | "all" };

/** A notice to send (every one says which supervisor sent it). */
export type SentNotice =
  | { readonly kind: "pressure" | "returned"; readonly from: number; readonly key: string }
  | { readonly kind: "limit"; readonly from: number; readonly key: string; readonly limit: number };

/** Sends a notice to every supervisor listening on the fleet's database (this one too). */
export async function sendNotice(pool: pg.Pool, notice: SentNotice): Promise<void> {
  await pool.query("SELECT pg_notify($1, $2)", [BUDGET_CHANNEL, JSON.stringify(notice)]);
}

/** A payload as a notice to act on; null for one that is not JSON, of no known kind, or missing what its kind needs. */
export function readNotice(payload: string): BudgetNotice | null {
  let notice: { kind?: unknown; from?: unknown; key?: unknown; limit?: unknown; scopes?: unknown; all?: unknown };
  try {
    notice = JSON.parse(payload) as typeof notice;
  } catch {
    return null;
  }
  if (notice === null || typeof notice !== "object") return null;
  const from = typeof notice.from === "number" ? notice.from : undefined;
  switch (notice.kind) {
    case "returned":
      return { kind: "returned" };
    case "limit":
      return typeof notice.key === "string" && typeof notice.limit === "number" ? { kind: "limit", from, key: notice.key, limit: notice.limit } : null;
    case "reset":
      if (notice.all === true) return { kind: "reset", scopes: "all" };
      return Array.isArray(notice.scopes) ? { kind: "reset", scopes: notice.scopes.filter((key): key is string => typeof key === "string") } : null;
    case "pressure":
      return typeof notice.key === "string" ? { kind: "pressure", from, key: notice.key } : null;
    default:
      return null;
  }
}
