// Retention for the fleet database, the same `retention:` setting as a SQLite state file: events
// and settled calls older than the maximum age, or beyond the maximum count, are deleted in small
// batches off the decision path. Budgets, leases and calls whose charge is not yet written are never
// touched (spend lives in `budgets`). Every batch runs under a transaction-level advisory lock taken
// with try: of several supervisors sharing the database, one prunes at a time and the others skip.
import type pg from "pg";
import type { Retention } from "../sqlite/retention.js";
import { DB_NOW, inTransaction } from "./lease-sql.js";

/** The advisory lock a pruning batch holds (the schema migration uses 7_140_153). */
export const PRUNE_LOCK = 7_140_154;

/** What one pass deleted; `skipped` when another supervisor held the lock (or retention is off). */
export interface PgPruned {
  readonly events: number;
  readonly calls: number;
  readonly batches: number;
  readonly skipped: boolean;
}

// A call is settled when nothing more will be charged for it and what was charged is written: denied
// before it ran (no hold), or answered with no cost, or answered with its settlement row written.
const SETTLED = `((decision = 'deny' AND complete IS NULL) OR (complete IS NOT NULL AND (cost_micros = 0 OR EXISTS (SELECT 1 FROM settled s WHERE s.call_id = calls.call_id))))`;

/** A settlement row is the key that charges a call once; kept a day after its call is gone, long past any retry. */
const SETTLED_KEPT_MS = 24 * 3_600_000;

/** Fleet rate-limit windows (one per key per minute) older than this many minutes are deleted. */
const WINDOWS_KEPT = 60;

async function count(c: pg.PoolClient, sql: string, params: unknown[]): Promise<number> {
  return (await c.query(sql, params)).rowCount ?? 0;
}

// One batch, in one transaction, if the prune lock is free: events, calls, then the rows that only serve them.
async function pruneBatch(pool: pg.Pool, retention: Retention, now: number, batch: number): Promise<{ events: number; calls: number } | null> {
  return inTransaction(pool, async (c) => {
    const locked = await c.query<{ got: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS got", [PRUNE_LOCK]);
    if (locked.rows[0]?.got !== true) return null;
    let events = 0;
    let calls = 0;
    if (retention.maxAgeMs !== null) {
      const cutoff = now - retention.maxAgeMs;
      events += await count(c, "DELETE FROM events WHERE ctid = ANY(ARRAY(SELECT ctid FROM events WHERE ts < $1 LIMIT $2))", [cutoff, batch]);
      calls += await count(c, `DELETE FROM calls WHERE call_id = ANY(ARRAY(SELECT call_id FROM calls WHERE requested_at < $1 AND ${SETTLED} LIMIT $2))`, [cutoff, batch]);
    }
    if (retention.maxEvents !== null) {
      const over = Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM events")).rows[0]?.n ?? 0) - retention.maxEvents;
      if (over > 0) events += await count(c, "DELETE FROM events WHERE ctid = ANY(ARRAY(SELECT ctid FROM events ORDER BY ts, supervisor_id, seq LIMIT $1))", [Math.min(over, batch)]);
    }
    if (retention.maxCalls !== null) {
      const over = Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM calls")).rows[0]?.n ?? 0) - retention.maxCalls;
      const sql = `DELETE FROM calls WHERE call_id = ANY(ARRAY(SELECT call_id FROM calls WHERE ${SETTLED} ORDER BY requested_at, call_id LIMIT $1))`;
      if (over > 0) calls += await count(c, sql, [Math.min(over, batch)]);
    }
    await c.query(
      `DELETE FROM settled WHERE call_id = ANY(ARRAY(SELECT s.call_id FROM settled s WHERE s.settled_at < ${DB_NOW} - $1 AND NOT EXISTS (SELECT 1 FROM calls WHERE calls.call_id = s.call_id) LIMIT $2))`,
      [SETTLED_KEPT_MS, batch],
    );
    await c.query("DELETE FROM rate_windows WHERE win < $1", [Math.floor(now / 60_000) - WINDOWS_KEPT]);
    return { events, calls };
  });
}

/** Prunes the fleet database at open and then every `everyMs` (0: only when asked), batch by batch. */
export class PgPruner {
  readonly #timer: NodeJS.Timeout | null;
  #running: Promise<PgPruned> | null = null;
  #stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly retention: Retention | false,
    private readonly clock: () => number,
    private readonly onError: (error: unknown) => void,
    everyMs: number,
    private readonly batch = 5000,
  ) {
    this.#timer = retention === false || everyMs === 0 ? null : setInterval(() => void this.#background(), everyMs).unref();
    if (this.#timer !== null) setImmediate(() => void this.#background());
  }

  async #background(): Promise<void> {
    try {
      await this.pruneNow();
    } catch (error) {
      if (!this.#stopped) this.onError(error);
    }
  }

  /** One full pass (after any pass already running): batches until nothing is left, the lock is taken, or 1000 batches. */
  async pruneNow(): Promise<PgPruned> {
    while (this.#running !== null) await this.#running.catch(() => undefined);
    this.#running = this.#pass();
    try {
      return await this.#running;
    } finally {
      this.#running = null;
    }
  }

  async #pass(): Promise<PgPruned> {
    if (this.retention === false) return { events: 0, calls: 0, batches: 0, skipped: true };
    let events = 0;
    let calls = 0;
    for (let batches = 0; batches < 1000 && !this.#stopped; batches += 1) {
      const done = await pruneBatch(this.pool, this.retention, this.clock(), this.batch);
      if (done === null) return { events, calls, batches, skipped: true };
      events += done.events;
      calls += done.calls;
      if (done.events === 0 && done.calls === 0) return { events, calls, batches: batches + 1, skipped: false };
    }
    return { events, calls, batches: 1000, skipped: false };
  }

  /** Stops pruning and waits for a batch in progress (the store is closing). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }
}
