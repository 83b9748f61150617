// The shapes of a fleet's lease ledger: its options, what it needs from its store, and a scope and
// a hold as it keeps them in memory.
import type pg from "pg";
import type { IronError } from "../../errors.js";

/** The NOTIFY channel for budget pressure, returns, limits and resets. */
export const BUDGET_CHANNEL = "iron_budget";

export interface LeaseOptions {
  /** How long a lease lives without a heartbeat (a dead supervisor's slice comes back after it). */
  readonly ttlMs?: number;
  /** The largest slice asked for, as a fraction of the limit (fair shares cap it further). */
  readonly sliceFraction?: number;
  /** How long a reservation may wait for budget others give back (acquire only). */
  readonly waitMs?: number;
}

export interface Scope {
  limit: number | null;
  /** The limit was set here (the plan sets it again on next use); one only learned from the fleet is kept when the scope is dropped. */
  own: boolean;
  /** Granted to this supervisor and not yet charged or returned. */
  lease: number;
  /** Reserved by calls in flight (part of the lease). */
  held: number;
  spent: number;
  refill: Promise<boolean> | null;
  /** Until then the fleet is short: no background refills beyond what a call needs. */
  scarceUntil: number;
  /** Why the last refill failed when the database could not be reached (null: it answered). */
  unreachable: IronError | null;
  /** What calls waiting in acquire for this scope need: a grant asks for all of it at once. */
  waiting: number;
}

export interface Hold {
  readonly keys: readonly string[];
  readonly micros: number;
}

export interface LeaseLedgerContext {
  readonly pool: pg.Pool;
  readonly supervisorId: number;
  readonly keyOf: (scope: string) => string;
  /** A database operation failed: the store records it and says how (IRON_ERR_STORE). */
  readonly onError: (error: unknown, doing: string) => IronError;
  /** Says how a database operation failed (IRON_ERR_STORE) without recording it as the store's failure. */
  readonly describeError: (error: unknown, doing: string) => IronError;
  /** This supervisor changed a scope's limit for the fleet (the scope as configured, before scrubbing). */
  readonly onLimitChanged?: (scope: string, previous: number | null, next: number) => void;
}
