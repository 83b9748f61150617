// The budget transactions of a fleet: each keeps `spent + leased <= limit` for every scope,
// because the only statement that raises `leased` is conditional on it.
import type pg from "pg";

/** The database's clock in unix ms: lease expiry never depends on one host's clock. */
export const DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** A scope's row after a grant attempt; `granted` is 0 when nothing could be lent. */
export interface GrantResult {
  readonly granted: number;
  readonly limit: number | null;
  readonly spent: number;
  readonly leased: number;
  /** How many other supervisors hold a live slice of the scope (who could give some back). */
  readonly others: number;
}

/** What a grant may lend: at least `min` or nothing, at most `want`, and no more than a fair share of what is left. */
export interface GrantAsk {
  readonly key: string;
  /** The limit to record when the scope has no row yet. */
  readonly limitIfNew: number | null;
  readonly min: number;
  readonly want: number;
  readonly ttlMs: number;
}

// Runs `body` in one transaction on one pooled connection. While checked out the connection has
// no pool listener: a server that goes away between two statements would otherwise raise an
// unhandled 'error' and end the supervisor. A failed connection is destroyed, not pooled again.
export async function inTransaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on("error", onError);
  try {
    await client.query(begin);
    const result = await body(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}

/** Lends this supervisor part of a scope's unleased remainder (one row lock, one conditional UPDATE). */
export function grantLease(pool: pg.Pool, supervisorId: number, ask: GrantAsk): Promise<GrantResult> {
  return inTransaction(pool, async (c) => {
    await c.query(`INSERT INTO budgets (scope, limit_micros, updated_at) VALUES ($1, $2, ${DB_NOW}) ON CONFLICT (scope) DO NOTHING`, [ask.key, ask.limitIfNew]);
    const row = (
      await c.query<{ limit_micros: number | null; spent_micros: number; leased_micros: number }>("SELECT limit_micros, spent_micros, leased_micros FROM budgets WHERE scope = $1 FOR UPDATE", [
        ask.key,
      ])
    ).rows[0];
    if (row === undefined || row.limit_micros === null) return { granted: 0, limit: null, spent: row?.spent_micros ?? 0, leased: row?.leased_micros ?? 0, others: 0 };
    const others =
      (await c.query<{ n: number }>(`SELECT count(*) AS n FROM leases WHERE scope = $1 AND supervisor_id <> $2 AND micros > 0 AND expires_at >= ${DB_NOW}`, [ask.key, supervisorId])).rows[0]?.n ?? 0;
    const available = row.limit_micros - row.spent_micros - row.leased_micros;
    const fair = Math.floor(available / (others + 1));
    const amount = Math.min(available, Math.max(ask.min, Math.min(ask.want, fair)));
    const unchanged = { granted: 0, limit: row.limit_micros, spent: row.spent_micros, leased: row.leased_micros, others };
    if (amount < ask.min || amount <= 0) return unchanged;
    const updated = await c.query(
      `UPDATE budgets SET leased_micros = leased_micros + $2, updated_at = ${DB_NOW} WHERE scope = $1 AND limit_micros IS NOT NULL AND spent_micros + leased_micros + $2 <= limit_micros`,
      [ask.key, amount],
    );
    if (updated.rowCount !== 1) return unchanged;
    await c.query(
      `INSERT INTO leases (supervisor_id, scope, micros, expires_at) VALUES ($1, $2, $3, ${DB_NOW} + $4)
       ON CONFLICT (supervisor_id, scope) DO UPDATE SET micros = leases.micros + $3, expires_at = ${DB_NOW} + $4`,
      [supervisorId, ask.key, amount, ask.ttlMs],
    );
    return { granted: amount, limit: row.limit_micros, spent: row.spent_micros, leased: row.leased_micros + amount, others };
  });
}

/** Hands `micros` of this supervisor's lease on a scope back to the fleet; returns what was returned. */
export function returnLease(pool: pg.Pool, supervisorId: number, key: string, micros: number): Promise<number> {
  return inTransaction(pool, async (c) => {
    const taken = await c.query<{ taken: number }>(
      `WITH old AS (SELECT micros FROM leases WHERE supervisor_id = $1 AND scope = $2 FOR UPDATE)
       UPDATE leases l SET micros = l.micros - LEAST(old.micros, $3) FROM old WHERE l.supervisor_id = $1 AND l.scope = $2
       RETURNING LEAST(old.micros, $3) AS taken`,
      [supervisorId, key, micros],
    );
    const amount = taken.rows[0]?.taken ?? 0;
    if (amount > 0) await c.query(`UPDATE budgets SET leased_micros = leased_micros - $2, updated_at = ${DB_NOW} WHERE scope = $1`, [key, amount]);
    return amount;
  });
}

/**
 * Gives back all of this supervisor's lease on a scope it no longer keeps in memory and deletes its
 * row, so the heartbeat stops renewing it (the leases table stays as small as the scopes in use);
 * returns what was returned. A later grant on the scope inserts a new row.
 */
export function dropLease(pool: pg.Pool, supervisorId: number, key: string): Promise<number> {
  return inTransaction(pool, async (c) => {
    const gone = await c.query<{ micros: number }>("DELETE FROM leases WHERE supervisor_id = $1 AND scope = $2 RETURNING micros", [supervisorId, key]);
    const amount = gone.rows[0]?.micros ?? 0;
    if (amount > 0) await c.query(`UPDATE budgets SET leased_micros = leased_micros - $2, updated_at = ${DB_NOW} WHERE scope = $1`, [key, amount]);
    return amount;
  });
}

/** One call's real cost, charged to its scopes. */
export interface Settlement {
  readonly callId: string;
  readonly keys: readonly string[];
  readonly micros: number;
}

/** Charges settled calls once each (the call id is the key): spend rises, this supervisor's lease shrinks by as much. */
export function writeSettlements(pool: pg.Pool, supervisorId: number, settlements: readonly Settlement[]): Promise<void> {
  return inTransaction(pool, async (c) => {
    const fresh = await c.query<{ call_id: string }>(
      `INSERT INTO settled (call_id, supervisor_id, micros, settled_at) SELECT id, $1, m, ${DB_NOW} FROM unnest($2::text[], $3::bigint[]) AS t(id, m)
       ON CONFLICT (call_id) DO NOTHING RETURNING call_id`,
      [supervisorId, settlements.map((s) => s.callId), settlements.map((s) => s.micros)],
    );
    const firstTime = new Set(fresh.rows.map((r) => r.call_id));
    const byKey = new Map<string, number>();
    for (const s of settlements) if (firstTime.has(s.callId)) for (const key of s.keys) byKey.set(key, (byKey.get(key) ?? 0) + s.micros);
    for (const [key, micros] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const taken = await c.query<{ taken: number }>(
        `WITH old AS (SELECT micros FROM leases WHERE supervisor_id = $1 AND scope = $2 FOR UPDATE)
         UPDATE leases l SET micros = l.micros - LEAST(old.micros, $3) FROM old WHERE l.supervisor_id = $1 AND l.scope = $2
         RETURNING LEAST(old.micros, $3) AS taken`,
        [supervisorId, key, micros],
      );
      await c.query(
        `INSERT INTO budgets (scope, spent_micros, updated_at) VALUES ($1, $2, ${DB_NOW})
         ON CONFLICT (scope) DO UPDATE SET spent_micros = budgets.spent_micros + $2, leased_micros = budgets.leased_micros - $3, updated_at = ${DB_NOW}`,
        [key, micros, taken.rows[0]?.taken ?? 0],
      );
    }
  });
}

/** Renews this supervisor's leases; returns the scopes it still holds (a missing one was reclaimed). */
export async function renewLeases(pool: pg.Pool, supervisorId: number, ttlMs: number): Promise<Map<string, number>> {
  await pool.query(`UPDATE supervisors SET heartbeat_at = ${DB_NOW} WHERE id = $1`, [supervisorId]);
  const { rows } = await pool.query<{ scope: string; micros: number }>(`UPDATE leases SET expires_at = ${DB_NOW} + $2 WHERE supervisor_id = $1 RETURNING scope, micros`, [supervisorId, ttlMs]);
  return new Map(rows.map((r) => [r.scope, r.micros]));
}

/** Gives the fleet back the leases of supervisors whose heartbeat stopped; returns how much came back. */
export async function reclaimExpiredLeases(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ micros: number }>(
    `WITH dead AS (DELETE FROM leases WHERE expires_at < ${DB_NOW} RETURNING scope, micros),
     sums AS (SELECT scope, sum(micros) AS micros FROM dead GROUP BY scope)
     UPDATE budgets b SET leased_micros = b.leased_micros - sums.micros, updated_at = ${DB_NOW} FROM sums WHERE b.scope = sums.scope
     RETURNING sums.micros`,
  );
  return rows.reduce((sum, r) => sum + r.micros, 0);
}

/** Records a scope's limit for the fleet; returns the limit it replaced (null: none, or no row yet). */
export async function writeLimit(pool: pg.Pool, key: string, micros: number): Promise<number | null> {
  return inTransaction(pool, async (c) => {
    await c.query(`INSERT INTO budgets (scope, limit_micros, updated_at) VALUES ($1, NULL, ${DB_NOW}) ON CONFLICT (scope) DO NOTHING`, [key]);
    const old = (await c.query<{ limit_micros: number | null }>("SELECT limit_micros FROM budgets WHERE scope = $1 FOR UPDATE", [key])).rows[0]?.limit_micros ?? null;
    await c.query(`UPDATE budgets SET limit_micros = $2, updated_at = ${DB_NOW} WHERE scope = $1`, [key, micros]);
    return old;
  });
}

/** Every scope with a limit, as the fleet has it now. */
export async function readLimits(pool: pg.Pool): Promise<{ scope: string; limit: number; spent: number }[]> {
  const { rows } = await pool.query<{ scope: string; limit_micros: number; spent_micros: number }>("SELECT scope, limit_micros, spent_micros FROM budgets WHERE limit_micros IS NOT NULL");
  return rows.map((r) => ({ scope: r.scope, limit: r.limit_micros, spent: r.spent_micros }));
}

/** Every scope's row, for a start-up view of what the fleet has spent. */
export async function readBudget(pool: pg.Pool, key: string): Promise<{ limit: number | null; spent: number; leased: number } | null> {
  const { rows } = await pool.query<{ limit_micros: number | null; spent_micros: number; leased_micros: number }>("SELECT limit_micros, spent_micros, leased_micros FROM budgets WHERE scope = $1", [
    key,
  ]);
  const row = rows[0];
  return row === undefined ? null : { limit: row.limit_micros, spent: row.spent_micros, leased: row.leased_micros };
}
