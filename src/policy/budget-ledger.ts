// The narrow budget interface policies and the engine depend on, owned here by its consumer; the SQLite store (and a
// PostgreSQL one later) implement it, so policies never change with the backend.
import type { BudgetView } from "./types.js";

/** Why a reservation could not be made. */
export interface ReserveRefusal {
  readonly ok: false;
  readonly scope: string;
  readonly limit: number;
  readonly spent: number;
  readonly reserved: number;
  readonly requested: number;
}

export type ReserveResult = { readonly ok: true } | ReserveRefusal;

/** Which scopes `iron budget reset` starts afresh: named ones (each with its `@day:`/`@month:` periods), or all. */
export type BudgetSelector = { readonly scopes: readonly string[] } | { readonly all: true };

/** A scope whose spend was reset, with what it had spent (micro-dollars). */
export interface ResetScope {
  readonly scope: string;
  readonly spent: number;
}

/** True when two holds' scope lists name the same scopes (a carve keeps a pool's scopes). */
export function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((scope) => b.includes(scope));
}

/** True when a stored scope name is selected: the scope itself or one of its periods (`global` selects `global@day:…`). */
export function selects(selector: BudgetSelector, scope: string): boolean {
  return "all" in selector || selector.scopes.some((name) => scope === name || scope.startsWith(`${name}@`));
}

/** Spend and limit of one scope after a change, for `budget.update` events. */
export interface ScopeBalance {
  readonly scope: string;
  readonly limit: number | null;
  readonly spent: number;
  readonly reserved: number;
}

/**
 * Budgets by scope (`global`, `agent:<id>`, ...), in integer micro-dollars. `reserve` checks
 * and holds atomically, so concurrent calls can never overshoot a limit; `settle` replaces
 * the hold with the real cost; `release` drops a hold whose call never completed.
 */
export interface BudgetLedger extends BudgetView {
  /** Micro-dollars held for calls still in flight in a scope. */
  reserved(scope: string): number;
  setLimit(scope: string, micros: number | null): void;
  reserve(callId: string, scopes: readonly string[], micros: number): ReserveResult;
  /** Where budget is shared (a fleet): after a refused reserve, waits a bounded time for more (a grant, or slices others give back), then reserves. */
  acquire?(callId: string, scopes: readonly string[], micros: number): Promise<ReserveResult>;
  settle(callId: string, micros: number): readonly ScopeBalance[];
  /**
   * A grant's pool (SPEC 3.4a): held, checked and journaled like a call's hold, so what a shim may
   * admit on its own is reserved before it may. Absent where budgets are shared by a fleet (no grants).
   */
  reservePool?(poolId: string, scopes: readonly string[], micros: number): ReserveResult;
  /**
   * Holds a call admitted under a pool out of it, in one step (and one journal write): the pool's
   * hold is replaced by the call's and what is left, so a crash charges neither twice. A pool that is
   * gone, or holds other scopes, reserves as `reserve` does; a call dearer than what is left takes the
   * rest from the scopes when it fits, else the pool's remainder (it is out already).
   */
  carve?(poolId: string, callId: string, scopes: readonly string[], micros: number): ReserveResult;
  /** Micro-dollars still held in a pool (0 once it is gone). */
  poolLeft?(poolId: string): number;
  /** Gives back what is left in a pool. */
  releasePool?(poolId: string): readonly ScopeBalance[];
  release(callId: string): readonly ScopeBalance[];
  balances(): readonly ScopeBalance[];
  /**
   * Sets the spend of the selected scopes back to zero, in memory and where it is kept, and
   * returns them with what they had spent; absent where budgets are shared by a fleet.
   */
  resetSpent?(selector: BudgetSelector): readonly ResetScope[];
  /**
   * Where budgets are shared (a fleet): zeroes the spend of the selected scopes for every
   * supervisor (they read it back), and resolves once this one has read it back too.
   */
  resetSharedSpent?(selector: BudgetSelector): Promise<readonly ResetScope[]>;
  /**
   * Drops idle scopes (nothing held) from memory; answers the names dropped. A ledger that
   * `reloadsSpend` reads a dropped scope's spend back from its store on next use, so any idle scope
   * may go; one that does not is only ever asked to drop periods that are over (issue 16, item 9).
   */
  forget?(scopes: readonly string[]): readonly string[];
  /** True when a scope's spend survives `forget` (kept in a store and read back on demand). */
  readonly reloadsSpend?: boolean;
}

/**
 * A scope's balance read from the ledger, the one place spend and holds are read: deriving
 * "reserved" from "remaining" goes wrong whenever the limit in force is not the ledger's.
 */
export function balanceOf(ledger: BudgetLedger, scope: string): ScopeBalance {
  return { scope, limit: ledger.limit(scope), spent: ledger.spent(scope), reserved: ledger.reserved(scope) };
}
