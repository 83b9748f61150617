// BudgetLedger on SQLite: every reserve, settle and release is one short IMMEDIATE transaction,
// so a hold is durable before its call may leave the agent — a crash can never make a budget
// forget money that may have been spent (a dead supervisor's holds are charged at next start).
import type { BudgetLedger, ReserveResult, ScopeBalance } from "../budget-ledger.js";
import type { Db } from "./database.js";

interface BudgetRow {
  scope: string;
  limit_micros: number | null;
  spent_micros: number;
  reserved_micros: number;
}

/** What the ledger needs from its store: the connection, who it is, and how failures are handled. */
export interface SqliteLedgerContext {
  readonly db: Db;
  readonly supervisorId: number;
  /** The stored name of a scope (scrubbed, so no personal data lands in the file). */
  readonly keyOf: (scope: string) => string;
  /** Throws the store's failure when it has already failed. */
  readonly ensureHealthy: () => void;
  /** True once the store has failed. */
  readonly failedAlready: () => boolean;
  /** Records a failure and returns it as an IronError. */
  readonly fail: (error: unknown, doing: string) => Error;
  readonly clock: () => number;
}

/** Budgets persisted in the state file, scope by scope, in integer micro-dollars. */
export class SqliteBudgetLedger implements BudgetLedger {
  readonly #c: SqliteLedgerContext;
  /** Scopes this supervisor touched, in first-use order: what `balances()` reports. */
  readonly #known = new Set<string>();
  readonly #get;
  readonly #upsertLimit;
  readonly #ensure;
  readonly #addReserved;
  readonly #addSpent;
  readonly #insertHold;
  readonly #getHold;
  readonly #deleteHold;

  constructor(context: SqliteLedgerContext) {
    this.#c = context;
    const db = context.db;
    this.#get = db.prepare<[string], BudgetRow>("SELECT scope, limit_micros, spent_micros, reserved_micros FROM budgets WHERE scope = ?");
    this.#upsertLimit = db.prepare(
      "INSERT INTO budgets (scope, limit_micros, updated_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET limit_micros = excluded.limit_micros, updated_at = excluded.updated_at",
    );
    this.#ensure = db.prepare("INSERT INTO budgets (scope, updated_at) VALUES (?, ?) ON CONFLICT (scope) DO NOTHING");
    this.#addReserved = db.prepare("UPDATE budgets SET reserved_micros = reserved_micros + ?, updated_at = ? WHERE scope = ?");
    this.#addSpent = db.prepare("UPDATE budgets SET spent_micros = spent_micros + ?, reserved_micros = reserved_micros - ?, updated_at = ? WHERE scope = ?");
    this.#insertHold = db.prepare("INSERT OR REPLACE INTO holds (call_id, supervisor_id, scopes, micros, created_at) VALUES (?, ?, ?, ?, ?)");
    this.#getHold = db.prepare<[string], { scopes: string; micros: number }>("SELECT scopes, micros FROM holds WHERE call_id = ?");
    this.#deleteHold = db.prepare("DELETE FROM holds WHERE call_id = ?");
  }

  #row(scope: string): BudgetRow | undefined {
    try {
      return this.#get.get(this.#c.keyOf(scope));
    } catch (error) {
      throw this.#c.fail(error, "reading a budget");
    }
  }

  setLimit(scope: string, micros: number | null): void {
    this.#c.ensureHealthy();
    const key = this.#c.keyOf(scope);
    try {
      this.#upsertLimit.run(key, micros, this.#c.clock());
    } catch (error) {
      throw this.#c.fail(error, "setting a budget limit");
    }
    this.#known.add(key);
  }

  limit(scope: string): number | null {
    return this.#row(scope)?.limit_micros ?? null;
  }

  spent(scope: string): number {
    return this.#row(scope)?.spent_micros ?? 0;
  }

  remaining(scope: string): number | null {
    const row = this.#row(scope);
    if (row === undefined || row.limit_micros === null) return null;
    return row.limit_micros - row.spent_micros - row.reserved_micros;
  }

  /** Checks every scope and holds the amount in all of them, or in none, in one transaction. */
  reserve(callId: string, scopes: readonly string[], micros: number): ReserveResult {
    this.#c.ensureHealthy();
    const keys = scopes.map((scope) => this.#c.keyOf(scope));
    const now = this.#c.clock();
    try {
      return this.#c.db
        .transaction((): ReserveResult => {
          for (const key of keys) {
            this.#ensure.run(key, now);
            const row = this.#get.get(key) as BudgetRow;
            if (row.limit_micros !== null && row.spent_micros + row.reserved_micros + micros > row.limit_micros) {
              return { ok: false, scope: key, limit: row.limit_micros, spent: row.spent_micros, reserved: row.reserved_micros, requested: micros };
            }
          }
          for (const key of keys) this.#addReserved.run(micros, now, key);
          this.#insertHold.run(callId, this.#c.supervisorId, JSON.stringify(keys), micros, now);
          for (const key of keys) this.#known.add(key);
          return { ok: true };
        })
        .immediate();
    } catch (error) {
      throw this.#c.fail(error, "reserving budget");
    }
  }

  /** Replaces a call's hold with its real cost. A store that cannot write keeps the hold (charged in full at next start). */
  settle(callId: string, micros: number): readonly ScopeBalance[] {
    return this.#close(callId, micros, "settling a call's cost");
  }

  /** Drops the hold of a call that never completed. */
  release(callId: string): readonly ScopeBalance[] {
    return this.#close(callId, 0, "releasing a budget hold");
  }

  #close(callId: string, charge: number, doing: string): readonly ScopeBalance[] {
    if (this.#c.failedAlready()) return [];
    const now = this.#c.clock();
    try {
      const keys = this.#c.db
        .transaction((): string[] => {
          const hold = this.#getHold.get(callId);
          if (hold === undefined) return [];
          const held = JSON.parse(hold.scopes) as string[];
          for (const key of held) this.#addSpent.run(charge, hold.micros, now, key);
          this.#deleteHold.run(callId);
          return held;
        })
        .immediate();
      return keys.map((key) => this.#balance(key));
    } catch (error) {
      this.#c.fail(error, doing);
      return [];
    }
  }

  balances(): readonly ScopeBalance[] {
    try {
      return [...this.#known].map((key) => this.#balance(key));
    } catch (error) {
      this.#c.fail(error, "reading budgets");
      return [];
    }
  }

  #balance(key: string): ScopeBalance {
    const row = this.#get.get(key);
    return { scope: key, limit: row?.limit_micros ?? null, spent: row?.spent_micros ?? 0, reserved: row?.reserved_micros ?? 0 };
  }
}
