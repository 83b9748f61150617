// BudgetLedger on SQLite. A reserve is durable before the call may leave the agent, so a crash
// never forgets money that may be spent (a dead supervisor's holds are charged in full at the
// next start): each hold is appended to the hold journal (hold-journal.ts) in one write before
// `reserve` answers, and reaches the state file with the next event batch, with its settle or
// release when that came meanwhile: nothing is written to the file on the decision path. One
// supervisor owns a file at a time, so an in-memory mirror of its scopes is exact.
import { sameScopes, selects, type BudgetLedger, type BudgetSelector, type ReserveResult, type ResetScope, type ScopeBalance } from "../../policy/budget-ledger.js";
import type { ClosedTuple, HeldTuple, LedgerChanges } from "./batch-writer.js";
import type { Db } from "./database.js";
import type { HoldJournal, JournaledHold } from "./hold-journal.js";

/** A budget scope's row as stored. */
interface ScopeRow {
  readonly limit_micros: number | null;
  readonly spent_micros: number;
  readonly reserved_micros: number;
}

interface Scope {
  limit: number | null;
  spent: number;
  reserved: number;
}

interface Hold {
  readonly keys: readonly string[];
  readonly micros: number;
}

/** A hold journaled, waiting for the next batch to reach the file. */
interface Unapplied {
  readonly callId: string;
  readonly keys: readonly string[];
  readonly micros: number;
  readonly now: number;
}

/** A settle or release waiting for the next batch. */
interface Closing {
  readonly callId: string;
  readonly hold: Hold;
  readonly charge: number;
}

/** What the ledger needs from its store: the connection, who it is, and how failures are handled. */
export interface SqliteLedgerContext {
  readonly db: Db;
  readonly supervisorId: number;
  /** The stored name of a scope (scrubbed, so no personal data lands in the file). */
  readonly keyOf: (scope: string) => string;
  /** Throws the store's failure when it has already failed. */
  readonly ensureHealthy: () => void;
  /** Records a failure and returns it as an IronError. */
  readonly fail: (error: unknown, doing: string) => Error;
  /** True once the store has failed (nothing is written any more). */
  readonly failedAlready: () => boolean;
  /** Asks for a batch soon (settles wait for it). */
  readonly requestFlush: () => void;
  /** Commits every batch waiting or in flight, now (the ledger's changes with them). */
  readonly commitNow: () => void;
  readonly clock: () => number;
  /** Where holds are made durable before `reserve` answers. */
  readonly journal: HoldJournal;
}

/** Budgets persisted in the state file, scope by scope, in integer micro-dollars. */
export class SqliteBudgetLedger implements BudgetLedger {
  /** Every scope's spend is in the file: a scope dropped from memory is read back on next use. */
  readonly reloadsSpend = true;
  readonly #c: SqliteLedgerContext;
  readonly #mirror = new Map<string, Scope>();
  /** Scopes this supervisor touched, in first-use order: what `balances()` reports. */
  readonly #known = new Set<string>();
  readonly #holds = new Map<string, Hold>();
  /** Scopes known to have their row in the file (a hold then skips the INSERT that makes one). */
  readonly #inFile = new Set<string>();
  #closing: Closing[] = [];
  readonly #get;
  readonly #upsertLimit;
  /** Scopes whose changes are in the batch being committed (not known to be in the file yet). */
  #inFlight = new Set<string>();
  /** Holds journaled and not yet in the file, in journal order. */
  #unapplied: Unapplied[] = [];
  /** The changes in flight carry the journal's start-over mark. */
  #startingOver = false;
  /** Grants' pools (SPEC 3.4a): the id of each one's current hold and how many it had. */
  readonly #pools = new Map<string, { hold: string; n: number }>();

  constructor(context: SqliteLedgerContext) {
    this.#c = context;
    const db = context.db;
    this.#get = db.prepare<[string], ScopeRow>("SELECT limit_micros, spent_micros, reserved_micros FROM budgets WHERE scope = ?");
    this.#upsertLimit = db.prepare(
      "INSERT INTO budgets (scope, limit_micros, updated_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET limit_micros = excluded.limit_micros, updated_at = excluded.updated_at",
    );
  }

  // A scope as this supervisor sees it: read once from the file, then kept in step here.
  #scope(key: string): Scope {
    let scope = this.#mirror.get(key);
    if (scope === undefined) {
      let row: ScopeRow | undefined;
      try {
        row = this.#get.get(key);
      } catch (error) {
        throw this.#c.fail(error, "reading a budget");
      }
      scope = { limit: row?.limit_micros ?? null, spent: row?.spent_micros ?? 0, reserved: row?.reserved_micros ?? 0 };
      this.#mirror.set(key, scope);
      if (row !== undefined) this.#inFile.add(key);
    }
    return scope;
  }

  setLimit(scope: string, micros: number | null): void {
    this.#c.ensureHealthy();
    const key = this.#c.keyOf(scope);
    try {
      this.#upsertLimit.run(key, micros, this.#c.clock());
    } catch (error) {
      throw this.#c.fail(error, "setting a budget limit");
    }
    this.#scope(key).limit = micros;
    this.#known.add(key);
    this.#inFile.add(key);
  }

  limit(scope: string): number | null {
    return this.#scope(this.#c.keyOf(scope)).limit;
  }

  spent(scope: string): number {
    return this.#scope(this.#c.keyOf(scope)).spent;
  }

  reserved(scope: string): number {
    return this.#scope(this.#c.keyOf(scope)).reserved;
  }

  remaining(scope: string): number | null {
    const s = this.#scope(this.#c.keyOf(scope));
    return s.limit === null ? null : s.limit - s.spent - s.reserved;
  }

  /** Checks every scope, then holds the amount in all of them or in none, durably (journaled) before it answers; throws IRON_ERR_STORE. */
  reserve(callId: string, scopes: readonly string[], micros: number): ReserveResult {
    this.#c.ensureHealthy();
    const keys = scopes.map((scope) => this.#c.keyOf(scope));
    for (const key of keys) {
      const s = this.#scope(key);
      if (s.limit !== null && s.spent + s.reserved + micros > s.limit) {
        return { ok: false, scope: key, limit: s.limit, spent: s.spent, reserved: s.reserved, requested: micros };
      }
    }
    const now = this.#c.clock();
    try {
      this.#c.journal.append([{ callId, keys, micros }]);
    } catch (error) {
      throw this.#c.fail(error, "reserving budget");
    }
    if (this.#unapplied.length === 0 && this.#closing.length === 0) this.#c.requestFlush();
    this.#unapplied.push({ callId, keys, micros, now });
    for (const key of keys) {
      this.#scope(key).reserved += micros;
      // Most recently used last: forgetting idle scopes starts with the least recently used.
      this.#known.delete(key);
      this.#known.add(key);
    }
    this.#holds.set(callId, { keys, micros });
    return { ok: true };
  }

  reservePool(poolId: string, scopes: readonly string[], micros: number): ReserveResult {
    const hold = `pool:${poolId}#0`;
    const result = this.reserve(hold, scopes, micros);
    if (result.ok) this.#pools.set(poolId, { hold, n: 0 });
    return result;
  }

  /** Moves a call's hold out of a pool in one journal write whose lines name the pool hold they replace. */
  carve(poolId: string, callId: string, scopes: readonly string[], micros: number): ReserveResult {
    const pool = this.#pools.get(poolId);
    const held = pool === undefined ? undefined : this.#holds.get(pool.hold);
    const keys = scopes.map((scope) => this.#c.keyOf(scope));
    if (pool === undefined || held === undefined || !sameScopes(held.keys, keys)) return this.reserve(callId, scopes, micros);
    this.#c.ensureHealthy();
    const extra = micros - held.micros;
    const take = extra > 0 && !keys.every((key) => this.#fits(key, extra)) ? held.micros : micros;
    const rest = held.micros - take;
    const next = rest > 0 ? `pool:${poolId}#${pool.n + 1}` : null;
    const lines: JournaledHold[] = [{ callId, keys, micros: take, replaces: pool.hold }];
    if (next !== null) lines.push({ callId: next, keys, micros: rest, replaces: pool.hold });
    try {
      this.#c.journal.append(lines);
    } catch (error) {
      throw this.#c.fail(error, "reserving budget");
    }
    this.#close(pool.hold, 0);
    const now = this.#c.clock();
    for (const line of lines) {
      this.#unapplied.push({ callId: line.callId, keys, micros: line.micros, now });
      for (const key of keys) this.#scope(key).reserved += line.micros;
      this.#holds.set(line.callId, { keys, micros: line.micros });
    }
    if (next === null) this.#pools.delete(poolId);
    else this.#pools.set(poolId, { hold: next, n: pool.n + 1 });
    return { ok: true };
  }

  poolLeft(poolId: string): number {
    const pool = this.#pools.get(poolId);
    return pool === undefined ? 0 : (this.#holds.get(pool.hold)?.micros ?? 0);
  }

  releasePool(poolId: string): readonly ScopeBalance[] {
    const pool = this.#pools.get(poolId);
    if (pool === undefined) return [];
    this.#pools.delete(poolId);
    return this.#close(pool.hold, 0);
  }

  #fits(key: string, micros: number): boolean {
    const s = this.#scope(key);
    return s.limit === null || s.spent + s.reserved + micros <= s.limit;
  }

  /** Replaces a call's hold with its real cost (written with the next batch). */
  settle(callId: string, micros: number): readonly ScopeBalance[] {
    return this.#close(callId, micros);
  }

  /** Drops the hold of a call that never completed (written with the next batch). */
  release(callId: string): readonly ScopeBalance[] {
    return this.#close(callId, 0);
  }

  #close(callId: string, charge: number): readonly ScopeBalance[] {
    const hold = this.#holds.get(callId);
    if (hold === undefined) return [];
    this.#holds.delete(callId);
    for (const key of hold.keys) {
      const s = this.#scope(key);
      s.reserved -= hold.micros;
      s.spent += charge;
    }
    if (!this.#c.failedAlready()) {
      if (this.#unapplied.length === 0 && this.#closing.length === 0) this.#c.requestFlush();
      this.#closing.push({ callId, hold, charge });
    }
    return hold.keys.map((key) => this.#balance(key));
  }

  /** True while holds, settles or releases wait for a batch. */
  get pending(): boolean {
    return this.#unapplied.length > 0 || this.#closing.length > 0;
  }

  /**
   * Takes the journaled holds, then the waiting settles and releases, for the next batch (written
   * by BatchWriter on the commit worker: a hold always lands before its settle, each scope once
   * with its net change), with the journal's mark for the holds taken; null when nothing waits.
   * `waitForIt`: the journal starts over once this batch is committed, before any further hold.
   */
  takeChanges(): { readonly changes: LedgerChanges; readonly waitForIt: boolean } | null {
    const unapplied = this.#unapplied;
    const closing = this.#closing;
    if (unapplied.length === 0 && closing.length === 0) return null;
    this.#unapplied = [];
    this.#closing = [];
    const ensure: [string, number][] = [];
    const holds: HeldTuple[] = new Array(unapplied.length);
    for (let i = 0; i < unapplied.length; i += 1) {
      const { callId, keys, micros, now } = unapplied[i] as Unapplied;
      for (const key of keys) {
        this.#inFlight.add(key);
        if (this.#inFile.has(key)) continue;
        ensure.push([key, now]);
        this.#inFile.add(key);
      }
      holds[i] = [callId, keys, micros, now];
    }
    const closed: ClosedTuple[] = new Array(closing.length);
    for (let i = 0; i < closing.length; i += 1) {
      const { callId, hold, charge } = closing[i] as Closing;
      for (const key of hold.keys) this.#inFlight.add(key);
      closed[i] = [callId, hold.keys, hold.micros, charge];
    }
    const mark = holds.length > 0 ? this.#c.journal.markAll() : null;
    this.#startingOver = mark?.startOver === true;
    return { changes: { ensure, holds, closing: closed, mark: mark?.text ?? null, now: this.#c.clock() }, waitForIt: this.#startingOver };
  }

  /** The batch that carried the last changes taken is committed (or failed: the store fails closed). */
  changesDone(committed: boolean): void {
    this.#inFlight = new Set();
    if (committed && this.#startingOver) this.#c.journal.startOver();
    this.#startingOver = false;
  }

  balances(): readonly ScopeBalance[] {
    return [...this.#known].map((key) => this.#balance(key));
  }

  /**
   * Zeroes the spend of the selected scopes in the file and in the mirror, once the settles still
   * waiting or in flight are committed (so none lands on a scope after its reset).
   */
  resetSpent(selector: BudgetSelector): readonly ResetScope[] {
    this.#c.ensureHealthy();
    this.#c.commitNow();
    this.#c.ensureHealthy();
    const wanted: BudgetSelector = "all" in selector ? selector : { scopes: selector.scopes.flatMap((scope) => [scope, this.#c.keyOf(scope)]) };
    let chosen: ResetScope[];
    try {
      chosen = this.#c.db
        .transaction(() => {
          const rows = this.#c.db.prepare<[], ResetScope>("SELECT scope, spent_micros AS spent FROM budgets WHERE spent_micros > 0 ORDER BY scope").all();
          const picked = rows.filter((row) => selects(wanted, row.scope));
          const reset = this.#c.db.prepare("UPDATE budgets SET spent_micros = 0, updated_at = ? WHERE scope = ?");
          const now = this.#c.clock();
          for (const row of picked) reset.run(now, row.scope);
          return picked;
        })
        .immediate();
    } catch (error) {
      throw this.#c.fail(error, "resetting budget spend");
    }
    for (const { scope } of chosen) {
      const mirrored = this.#mirror.get(scope);
      if (mirrored !== undefined) mirrored.spent = 0;
    }
    return chosen;
  }

  /**
   * Drops scopes from memory that hold nothing and whose spend is all in the file (no settle
   * waiting for its batch): the next use reads them back, so no spend is lost or given back.
   */
  forget(scopes: readonly string[]): readonly string[] {
    const unwritten = new Set<string>();
    for (const c of this.#closing) for (const key of c.hold.keys) unwritten.add(key);
    for (const u of this.#unapplied) for (const key of u.keys) unwritten.add(key);
    for (const key of this.#inFlight) unwritten.add(key);
    const dropped: string[] = [];
    for (const key of scopes) {
      const s = this.#mirror.get(key);
      if (s === undefined || s.reserved !== 0 || unwritten.has(key)) continue;
      this.#mirror.delete(key);
      this.#known.delete(key);
      this.#inFile.delete(key);
      dropped.push(key);
    }
    // Scopes only read (never held or limited here) are in no balance: dropped once they pile up.
    if (this.#mirror.size > this.#known.size + 1024) {
      for (const [key, s] of this.#mirror) if (!this.#known.has(key) && s.reserved === 0 && !unwritten.has(key)) this.#mirror.delete(key);
    }
    return dropped;
  }

  #balance(key: string): ScopeBalance {
    const s = this.#scope(key);
    return { scope: key, limit: s.limit, spent: s.spent, reserved: s.reserved };
  }
}
