// BudgetLedger on SQLite. A reserve is durable before the call may leave the agent, so a crash
// never forgets money that may be spent (a dead supervisor's holds are charged in full at the
// next start): each hold is appended to the hold journal (hold-journal.ts) in one write before
// `reserve` answers, and reaches the state file with the next event batch, with its settle or
// release when that came meanwhile: nothing is written to the file on the decision path. One
// supervisor owns a file at a time, so an in-memory mirror of its scopes is exact.
import { selects, type BudgetLedger, type BudgetSelector, type ReserveResult, type ResetScope, type ScopeBalance } from "../../policy/budget-ledger.js";
import type { Db } from "./database.js";
import type { HoldJournal } from "./hold-journal.js";

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

/** A scope's net change in one batch: holds added, then settles and releases (how many, the holds they release, what they charge). */
interface NetChange {
  held: number;
  heldAt: number;
  closed: number;
  released: number;
  charged: number;
}

function netOf(net: Map<string, NetChange>, key: string): NetChange {
  let change = net.get(key);
  if (change === undefined) {
    change = { held: 0, heldAt: 0, closed: 0, released: 0, charged: 0 };
    net.set(key, change);
  }
  return change;
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
  readonly #ensure;
  readonly #addReserved;
  readonly #insertHold;
  readonly #deleteHold;
  readonly #netScope;
  /** Holds journaled and not yet in the file, in journal order. */
  #unapplied: Unapplied[] = [];

  constructor(context: SqliteLedgerContext) {
    this.#c = context;
    const db = context.db;
    this.#get = db.prepare<[string], ScopeRow>("SELECT limit_micros, spent_micros, reserved_micros FROM budgets WHERE scope = ?");
    this.#upsertLimit = db.prepare(
      "INSERT INTO budgets (scope, limit_micros, updated_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET limit_micros = excluded.limit_micros, updated_at = excluded.updated_at",
    );
    this.#ensure = db.prepare("INSERT INTO budgets (scope, updated_at) VALUES (?, ?) ON CONFLICT (scope) DO NOTHING");
    this.#addReserved = db.prepare("UPDATE budgets SET reserved_micros = reserved_micros + ?, updated_at = ? WHERE scope = ?");
    this.#insertHold = db.prepare("INSERT OR REPLACE INTO holds (call_id, supervisor_id, scopes, micros, created_at) VALUES (?, ?, ?, ?, ?)");
    this.#deleteHold = db.prepare("DELETE FROM holds WHERE call_id = ?");
    this.#netScope = db.prepare("UPDATE budgets SET reserved_micros = MAX(0, reserved_micros + ? - ?), spent_micros = spent_micros + ?, updated_at = ? WHERE scope = ?");
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
   * Writes the journaled holds, then the waiting settles and releases, and marks the journal
   * applied that far; called inside the batch's transaction (a hold always lands before its settle).
   * A batch writes each scope once, with its net change (what a hold per statement and then a
   * settle per statement would leave, MAX(0, …) included), and a hold settled or released in the
   * same batch never reaches the holds table: under load most calls are held and settled within
   * one batch, and this is a few statements per batch instead of four per call.
   */
  writePending(): void {
    const holds = this.#unapplied;
    const closing = this.#closing;
    this.#unapplied = [];
    this.#closing = [];
    if (holds.length === 0 && closing.length === 0) return;
    const net = new Map<string, NetChange>();
    const closed = new Set<string>();
    for (const { callId } of closing) closed.add(callId);
    const inserted = new Set<string>();
    for (const { callId, keys, micros, now } of holds) {
      for (const key of keys) {
        if (!this.#inFile.has(key)) {
          this.#ensure.run(key, now);
          this.#inFile.add(key);
        }
        const change = netOf(net, key);
        change.held += micros;
        change.heldAt = now;
      }
      if (closed.has(callId)) inserted.add(callId);
      else this.#insertHold.run(callId, this.#c.supervisorId, JSON.stringify(keys), micros, now);
    }
    if (holds.length > 0) this.#c.journal.markApplied(this.#c.db);
    for (const { callId, hold, charge } of closing) {
      for (const key of hold.keys) {
        const change = netOf(net, key);
        change.closed += 1;
        change.released += hold.micros;
        change.charged += charge;
      }
      if (!inserted.has(callId)) this.#deleteHold.run(callId);
    }
    const now = this.#c.clock();
    for (const [key, c] of net) {
      if (c.closed === 0) this.#addReserved.run(c.held, c.heldAt, key);
      else this.#netScope.run(c.held, c.released, c.charged, now, key);
    }
  }

  balances(): readonly ScopeBalance[] {
    return [...this.#known].map((key) => this.#balance(key));
  }

  /**
   * Zeroes the spend of the selected scopes in the file and in the mirror, in one transaction
   * that first writes the settles still waiting (so none lands on a scope after its reset).
   */
  resetSpent(selector: BudgetSelector): readonly ResetScope[] {
    this.#c.ensureHealthy();
    const wanted: BudgetSelector = "all" in selector ? selector : { scopes: selector.scopes.flatMap((scope) => [scope, this.#c.keyOf(scope)]) };
    let chosen: ResetScope[];
    try {
      chosen = this.#c.db
        .transaction(() => {
          this.writePending();
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
