// An in-process BudgetLedger: exact and atomic because Node runs one decision at a time.
import { sameScopes, selects, type BudgetLedger, type BudgetSelector, type ReserveResult, type ResetScope, type ScopeBalance } from "../policy/budget-ledger.js";

interface Scope {
  limit: number | null;
  spent: number;
  reserved: number;
}

interface Hold {
  readonly scopes: readonly string[];
  readonly micros: number;
}

const poolKey = (poolId: string): string => `pool:${poolId}`;

/** Budgets kept in memory; the SQLite ledger persists the same operations. */
export class MemoryBudgetLedger implements BudgetLedger {
  /** Spend lives only here: a dropped scope would start again from zero. */
  readonly reloadsSpend = false;
  readonly #scopes = new Map<string, Scope>();
  readonly #holds = new Map<string, Hold>();

  #scope(name: string): Scope {
    let scope = this.#scopes.get(name);
    if (scope === undefined) {
      scope = { limit: null, spent: 0, reserved: 0 };
      this.#scopes.set(name, scope);
    }
    return scope;
  }

  setLimit(scope: string, micros: number | null): void {
    this.#scope(scope).limit = micros;
  }

  limit(scope: string): number | null {
    return this.#scopes.get(scope)?.limit ?? null;
  }

  spent(scope: string): number {
    return this.#scopes.get(scope)?.spent ?? 0;
  }

  reserved(scope: string): number {
    return this.#scopes.get(scope)?.reserved ?? 0;
  }

  remaining(scope: string): number | null {
    const s = this.#scopes.get(scope);
    if (s === undefined || s.limit === null) return null;
    return s.limit - s.spent - s.reserved;
  }

  reserve(callId: string, scopes: readonly string[], micros: number): ReserveResult {
    for (const name of scopes) {
      const s = this.#scope(name);
      if (s.limit !== null && s.spent + s.reserved + micros > s.limit) {
        return { ok: false, scope: name, limit: s.limit, spent: s.spent, reserved: s.reserved, requested: micros };
      }
    }
    for (const name of scopes) this.#scope(name).reserved += micros;
    this.#holds.set(callId, { scopes, micros });
    return { ok: true };
  }

  reservePool(poolId: string, scopes: readonly string[], micros: number): ReserveResult {
    return this.reserve(poolKey(poolId), scopes, micros);
  }

  carve(poolId: string, callId: string, scopes: readonly string[], micros: number): ReserveResult {
    const pool = this.#holds.get(poolKey(poolId));
    if (pool === undefined || !sameScopes(pool.scopes, scopes)) return this.reserve(callId, scopes, micros);
    const extra = micros - pool.micros;
    const take = extra > 0 && !scopes.every((name) => this.#fits(name, extra)) ? pool.micros : micros;
    for (const name of scopes) this.#scope(name).reserved += take - pool.micros;
    this.#holds.set(callId, { scopes, micros: take });
    if (pool.micros > take) this.#holds.set(poolKey(poolId), { scopes, micros: pool.micros - take });
    else this.#holds.delete(poolKey(poolId));
    for (const name of scopes) this.#scope(name).reserved += Math.max(0, pool.micros - take);
    return { ok: true };
  }

  poolLeft(poolId: string): number {
    return this.#holds.get(poolKey(poolId))?.micros ?? 0;
  }

  releasePool(poolId: string): readonly ScopeBalance[] {
    return this.release(poolKey(poolId));
  }

  #fits(name: string, micros: number): boolean {
    const s = this.#scope(name);
    return s.limit === null || s.spent + s.reserved + micros <= s.limit;
  }

  settle(callId: string, micros: number): readonly ScopeBalance[] {
    const hold = this.#holds.get(callId);
    this.#holds.delete(callId);
    const scopes = hold?.scopes ?? [];
    for (const name of scopes) {
      const s = this.#scope(name);
      s.reserved -= hold?.micros ?? 0;
      s.spent += micros;
    }
    return scopes.map((name) => this.#balance(name));
  }

  release(callId: string): readonly ScopeBalance[] {
    const hold = this.#holds.get(callId);
    if (hold === undefined) return [];
    this.#holds.delete(callId);
    for (const name of hold.scopes) this.#scope(name).reserved -= hold.micros;
    return hold.scopes.map((name) => this.#balance(name));
  }

  /** Drops idle scopes; their spend is gone with them, so only periods that are over are asked of it. */
  forget(scopes: readonly string[]): readonly string[] {
    const dropped: string[] = [];
    for (const name of scopes) {
      if (this.#scopes.get(name)?.reserved !== 0) continue;
      this.#scopes.delete(name);
      dropped.push(name);
    }
    return dropped;
  }

  balances(): readonly ScopeBalance[] {
    return [...this.#scopes.keys()].map((name) => this.#balance(name));
  }

  resetSpent(selector: BudgetSelector): readonly ResetScope[] {
    const chosen: ResetScope[] = [];
    for (const [scope, s] of [...this.#scopes].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (s.spent <= 0 || !selects(selector, scope)) continue;
      chosen.push({ scope, spent: s.spent });
      s.spent = 0;
    }
    return chosen;
  }

  #balance(name: string): ScopeBalance {
    const s = this.#scope(name);
    return { scope: name, limit: s.limit, spent: s.spent, reserved: s.reserved };
  }
}
