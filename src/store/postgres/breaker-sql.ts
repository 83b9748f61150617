// The fleet's breaker rows: one per provider+model, every change a conditional UPDATE, so two
// supervisors can never both open it anew, both close it, or both hold the half-open probe.
import type pg from "pg";
import { DB_NOW } from "./lease-sql.js";

/** The NOTIFY channel for breaker changes and probe claims. */
export const BREAKER_CHANNEL = "iron_breaker";

/** A breaker row as the fleet sees it, with the database's clock at read time. */
export interface BreakerRow {
  readonly provider: string;
  readonly model: string;
  readonly state: "closed" | "open";
  readonly openedAt: number | null;
  readonly cooldownMs: number | null;
  readonly reason: string | null;
  readonly changedBy: number | null;
  readonly version: number;
  readonly probeHolder: number | null;
  readonly probeUntil: number | null;
  readonly now: number;
}

const COLUMNS = `provider, model, state, opened_at AS "openedAt", cooldown_ms AS "cooldownMs", reason, changed_by AS "changedBy", version,
  probe_holder AS "probeHolder", probe_until AS "probeUntil", ${DB_NOW} AS now`;

/** What a supervisor asks of a breaker row; each is applied only if the row is as the kind expects. */
export type BreakerWrite =
  /** Open a closed breaker (the first supervisor to trip wins; the others follow). */
  | { readonly kind: "open"; readonly cooldownMs: number; readonly reason: string }
  /** The probe failed: only the probe's holder reopens it. */
  | { readonly kind: "reopen"; readonly cooldownMs: number; readonly reason: string }
  /** The probes succeeded: only the probe's holder closes it. */
  | { readonly kind: "close"; readonly reason: string }
  /** An operator closed it: from any state. */
  | { readonly kind: "reset"; readonly reason: string }
  /** The cooldown is over: take the half-open probe unless a live one is held. */
  | { readonly kind: "claim"; readonly leaseMs: number };

const WHERE: Record<BreakerWrite["kind"], string> = {
  open: "state = 'closed'",
  reopen: "state = 'open' AND probe_holder = $3",
  close: "state = 'open' AND probe_holder = $3",
  reset: "TRUE",
  claim: `state = 'open' AND opened_at + cooldown_ms <= ${DB_NOW} AND (probe_holder IS NULL OR probe_holder = $3 OR probe_until < ${DB_NOW})`,
};

/** Applies one write if its condition holds; returns the row after it and whether it applied. NOTIFYs when it did. */
export async function writeBreaker(pool: pg.Pool, supervisorId: number, provider: string, model: string, write: BreakerWrite): Promise<{ applied: boolean; row: BreakerRow | null }> {
  await pool.query("INSERT INTO fleet_breakers (provider, model) VALUES ($1, $2) ON CONFLICT (provider, model) DO NOTHING", [provider, model]);
  let set: string;
  let params: unknown[];
  if (write.kind === "open" || write.kind === "reopen") {
    set = `state = 'open', opened_at = ${DB_NOW}, cooldown_ms = $4, reason = $5, changed_by = $3, version = version + 1, probe_holder = NULL, probe_until = NULL`;
    params = [write.cooldownMs, write.reason];
  } else if (write.kind === "close" || write.kind === "reset") {
    set = "state = 'closed', opened_at = NULL, cooldown_ms = NULL, reason = $4, changed_by = $3, version = version + 1, probe_holder = NULL, probe_until = NULL";
    params = [write.reason];
  } else {
    set = `probe_holder = $3, probe_until = ${DB_NOW} + $4`;
    params = [write.leaseMs];
  }
  const { rows } = await pool.query<BreakerRow>(`UPDATE fleet_breakers SET ${set} WHERE provider = $1 AND model = $2 AND ${WHERE[write.kind]} RETURNING ${COLUMNS}`, [
    provider,
    model,
    supervisorId,
    ...params,
  ]);
  const row = rows[0];
  if (row === undefined) return { applied: false, row: await readBreaker(pool, provider, model) };
  await pool.query("SELECT pg_notify($1, $2)", [BREAKER_CHANNEL, JSON.stringify({ provider, model })]);
  return { applied: true, row };
}

/** One breaker row (null when the fleet never saw it trip). */
export async function readBreaker(pool: pg.Pool, provider: string, model: string): Promise<BreakerRow | null> {
  const { rows } = await pool.query<BreakerRow>(`SELECT ${COLUMNS} FROM fleet_breakers WHERE provider = $1 AND model = $2`, [provider, model]);
  return rows[0] ?? null;
}

/** Every breaker row the fleet has, for a supervisor joining it. */
export async function readBreakers(pool: pg.Pool): Promise<BreakerRow[]> {
  return (await pool.query<BreakerRow>(`SELECT ${COLUMNS} FROM fleet_breakers`)).rows;
}
