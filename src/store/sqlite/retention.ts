// Retention for the SQLite state file: events (every output line of every agent is one) and call
// rows older than a maximum age, and events beyond a maximum count, are deleted in small batches
// off the decision path, so the file stops growing without bound. Budgets, runs and agents are
// not touched (spend lives in the budgets table, not in the rows pruned here). The newest event is
// always kept: it carries the `seq` the next start continues from.
import type { Db } from "./database.js";

/** How much of the history to keep; null turns a limit off. */
export interface Retention {
  /** Events and settled calls older than this are deleted (ms). */
  readonly maxAgeMs: number | null;
  /** At most this many events are kept, the newest. */
  readonly maxEvents: number | null;
  /** At most this many settled calls are kept, the newest. */
  readonly maxCalls: number | null;
}

/** The defaults: 30 days, a million events, a million calls. */
export const DEFAULT_RETENTION: Retention = Object.freeze({ maxAgeMs: 30 * 24 * 3_600_000, maxEvents: 1_000_000, maxCalls: 1_000_000 });

/** Rows deleted by one pass. */
export interface Pruned {
  readonly events: number;
  readonly calls: number;
}

/** Rows deleted per statement: each DELETE stays short, so a commit never waits long behind one. */
const BATCH = 5000;

// Deletes events older than the cutoff or beyond the newest `maxEvents`, one batch; never the newest.
function pruneEvents(db: Db, retention: Retention, now: number): number {
  const newest = (db.prepare("SELECT MAX(seq) AS seq FROM events").get() as { seq: number | null }).seq;
  if (newest === null) return 0;
  const byCount = retention.maxEvents === null ? 0 : newest - retention.maxEvents;
  const byAge = retention.maxAgeMs === null ? 0 : ((db.prepare("SELECT MAX(seq) AS seq FROM events WHERE ts < ?").get(now - retention.maxAgeMs) as { seq: number | null }).seq ?? 0);
  const through = Math.min(Math.max(byCount, byAge), newest - 1);
  if (through <= 0) return 0;
  return db.prepare("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)").run(through, BATCH).changes;
}

// Deletes settled calls (a response recorded, no budget hold left) older than the cutoff or beyond the newest `maxCalls`, one batch.
function pruneCalls(db: Db, retention: Retention, now: number): number {
  const settled = "responded_at IS NOT NULL AND call_id NOT IN (SELECT call_id FROM holds)";
  let deleted = 0;
  if (retention.maxAgeMs !== null) {
    deleted += db.prepare(`DELETE FROM calls WHERE rowid IN (SELECT rowid FROM calls WHERE requested_at < ? AND ${settled} LIMIT ?)`).run(now - retention.maxAgeMs, BATCH).changes;
  }
  if (retention.maxCalls !== null) {
    const over = (db.prepare("SELECT COUNT(*) AS n FROM calls").get() as { n: number }).n - retention.maxCalls;
    if (over > 0) {
      const sql = `DELETE FROM calls WHERE rowid IN (SELECT rowid FROM calls WHERE ${settled} ORDER BY requested_at, rowid LIMIT ?)`;
      deleted += db.prepare(sql).run(Math.min(over, BATCH)).changes;
    }
  }
  return deleted;
}

/** One batch of pruning; call again while it deleted something. */
export function pruneOnce(db: Db, retention: Retention, now: number): Pruned {
  return { events: pruneEvents(db, retention, now), calls: pruneCalls(db, retention, now) };
}

/** Prunes until nothing is left to prune, or `maxBatches` batches ran; answers the total. */
export function prune(db: Db, retention: Retention, now: number, maxBatches = 1000): Pruned {
  let events = 0;
  let calls = 0;
  for (let i = 0; i < maxBatches; i += 1) {
    const pass = pruneOnce(db, retention, now);
    events += pass.events;
    calls += pass.calls;
    if (pass.events === 0 && pass.calls === 0) break;
  }
  return { events, calls };
}

/** Prunes at open and then every `everyMs`, one batch per tick of the event loop, never on a decision. */
export class Pruner {
  readonly #timer: NodeJS.Timeout;
  #running = false;
  #stopped = false;

  constructor(
    private readonly db: Db,
    private readonly retention: Retention,
    private readonly clock: () => number,
    private readonly onError: (error: unknown) => void,
    everyMs = 10 * 60_000,
  ) {
    this.#timer = setInterval(() => this.#tick(), everyMs).unref();
    setImmediate(() => this.#tick());
  }

  // One pass, batch by batch with the event loop free in between.
  #tick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    const step = (batches: number): void => {
      if (this.#stopped) return;
      try {
        const pass = pruneOnce(this.db, this.retention, this.clock());
        if ((pass.events > 0 || pass.calls > 0) && batches < 1000) {
          setImmediate(() => step(batches + 1));
          return;
        }
      } catch (error) {
        this.onError(error);
      }
      this.#running = false;
    };
    step(1);
  }

  /** Stops pruning (the store is closing). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
