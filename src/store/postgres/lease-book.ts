// The fleet ledger's book in memory: each scope's limit, slice (lease), holds and spend as this
// supervisor last saw them, the holds of calls in flight, and the arithmetic on them (what a
// reservation may take, how much to borrow, what is spare). No I/O: the lease ledger asks the
// book and does the talking to the database.
import type { ReserveResult, ScopeBalance } from "../../policy/budget-ledger.js";
import type { Hold, Scope } from "./lease-types.js";

/** The largest grant the calls waiting on a scope may ask for at once, as a fraction of its limit. */
const QUEUED_CAP = 0.1;

/** What to ask the fleet for: at least `min` (or nothing), at most `want`. */
export interface GrantSize {
  readonly min: number;
  readonly want: number;
}

/** Scopes dropped from memory by `forget`, and those of them whose slice must go back to the fleet. */
export interface Forgotten {
  readonly dropped: readonly string[];
  readonly leased: readonly string[];
}

/** This supervisor's scopes and holds in memory, and the lease arithmetic on them. */
export class LeaseBook {
  readonly #scopes = new Map<string, Scope>();
  readonly #holds = new Map<string, Hold>();
  /** Limits learned from the fleet (not set here) of scopes dropped from memory: a scope used again starts from them. */
  readonly #learnedLimits = new Map<string, number>();
  readonly #sliceFraction: number;

  constructor(sliceFraction: number) {
    this.#sliceFraction = sliceFraction;
  }

  /** A scope's entry, created (from a learned limit, if any) on first use. */
  scope(key: string): Scope {
    let scope = this.#scopes.get(key);
    if (scope === undefined) {
      const learned = this.#learnedLimits.get(key) ?? null;
      this.#learnedLimits.delete(key);
      scope = { limit: learned, own: false, lease: 0, held: 0, spent: 0, refill: null, scarceUntil: 0, unreachable: null, waiting: 0 };
      this.#scopes.set(key, scope);
    }
    return scope;
  }

  /** A scope's entry if it is in memory (never creates one). */
  find(key: string): Scope | undefined {
    return this.#scopes.get(key);
  }

  /** The scopes in memory, least recently used first. */
  entries(): IterableIterator<[string, Scope]> {
    return this.#scopes.entries();
  }

  keys(): string[] {
    return [...this.#scopes.keys()];
  }

  limit(key: string): number | null {
    return this.#scopes.get(key)?.limit ?? this.#learnedLimits.get(key) ?? null;
  }

  /** The limit less the fleet's spend (as last seen) and this supervisor's holds. */
  remaining(key: string): number | null {
    const s = this.#scopes.get(key);
    if (s === undefined || s.limit === null) return null;
    return s.limit - s.spent - s.held;
  }

  /**
   * Holds `micros` in every scope for the call when each one's slice covers it; `refill` is asked
   * for a scope whose slice fell short, or fell below the low-water mark (unless the fleet is scarce).
   */
  reserve(callId: string, keys: readonly string[], micros: number, now: number, refill: (key: string) => void): ReserveResult {
    for (const key of keys) {
      const s = this.scope(key);
      if (s.limit !== null && s.lease - s.held < micros) {
        refill(key);
        return { ok: false, scope: key, limit: s.limit, spent: s.spent, reserved: s.held, requested: micros };
      }
    }
    for (const key of keys) {
      const s = this.scope(key);
      s.held += micros;
      // Most recently used last: forgetting idle scopes starts with the least recently used.
      this.#scopes.delete(key);
      this.#scopes.set(key, s);
      if (s.limit !== null && s.lease - s.held < this.#lowWater(s, micros) && now >= s.scarceUntil) refill(key);
    }
    this.#holds.set(callId, { keys, micros });
    return { ok: true };
  }

  /** Ends a call's hold, charging `charge` to each of its scopes (and their slices); null: no such hold. */
  close(callId: string, charge: number): readonly string[] | null {
    const hold = this.#holds.get(callId);
    if (hold === undefined) return null;
    this.#holds.delete(callId);
    for (const key of hold.keys) {
      const s = this.scope(key);
      s.held -= hold.micros;
      s.spent += charge;
      if (s.limit !== null) s.lease = Math.max(0, s.lease - charge);
    }
    return hold.keys;
  }

  balance(key: string): ScopeBalance {
    const s = this.scope(key);
    return { scope: key, limit: s.limit, spent: s.spent, reserved: s.held };
  }

  balances(): readonly ScopeBalance[] {
    return this.keys().map((key) => this.balance(key));
  }

  // Refill before running dry: a quarter of a full slice, or two calls' worth.
  #lowWater(s: Scope, micros: number): number {
    return Math.max(2 * micros, Math.floor(((s.limit ?? 0) * this.#sliceFraction) / 4));
  }

  /**
   * How much a grant for a call of `micros` asks: what the slice lacks at least; what the waiting
   * calls need (at most a tenth of the limit: the first supervisor of a burst must not take it all);
   * when the fleet is not scarce, a full slice or four calls' worth.
   */
  grantSize(s: Scope, micros: number, now: number): GrantSize {
    const min = Math.max(1, micros - (s.lease - s.held));
    const queued = Math.max(min, Math.min(s.waiting - (s.lease - s.held), Math.floor((s.limit ?? 0) * QUEUED_CAP)));
    const want = now < s.scarceUntil ? queued : Math.max(queued, 4 * micros, Math.floor((s.limit ?? 0) * this.#sliceFraction));
    return { min, want };
  }

  /** Takes out of a scope's slice what no call in flight holds; returns the amount (0: none). */
  takeSpare(s: Scope): number {
    const spare = s.lease - s.held;
    if (spare <= 0) return 0;
    s.lease -= spare;
    return spare;
  }

  /**
   * Drops the scopes no call holds anything in, with no grant under way and no settle `unwritten`;
   * a limit learned from the fleet is kept for the next use. Each dropped scope with a limit had its
   * whole slice spare: the caller returns it (`leased`).
   */
  forget(keys: readonly string[], unwritten: ReadonlySet<string>): Forgotten {
    const dropped: string[] = [];
    const leased: string[] = [];
    for (const key of keys) {
      const s = this.#scopes.get(key);
      if (s === undefined || s.held !== 0 || s.refill !== null || s.waiting !== 0 || unwritten.has(key)) continue;
      this.#scopes.delete(key);
      dropped.push(key);
      if (s.limit === null) continue;
      if (!s.own) this.#learnedLimits.set(key, s.limit);
      s.lease = 0;
      leased.push(key);
    }
    return { dropped, leased };
  }
}
