// The one narrow interface the supervisor keeps its state behind: events, the call ledger,
// budgets (atomic reserve/settle), runs and breaker state. SQLite implements it today; a
// PostgreSQL store (several supervisors sharing budgets) implements the same shape later.
import type { BreakerBoard, BreakerChange, BreakerClock } from "../policy/breaker/board.js";
import type { BreakerSettings } from "../policy/breaker/machine.js";
import type { RateLimits } from "../policy/rate-limiter.js";
import type { IronError } from "../errors.js";
import type { EventSink } from "../events/bus.js";
import type { Scrubber } from "../events/scrub.js";
import type { IronEvent } from "../events/types.js";
import type { RunRegistry } from "../lifecycle/run-registry.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";

/** One row of the call ledger. Money in micro-dollars; times in unix milliseconds. */
export interface CallRecord {
  readonly callId: string;
  readonly agentId: string;
  readonly provider: string;
  readonly endpoint: string;
  /** The model asked for (after any policy rewrite the response names the one that answered). */
  readonly model: string | null;
  readonly responseModel: string | null;
  readonly library: string;
  readonly stream: boolean;
  readonly requestedAt: number;
  /** Attribution from iron_shim.context() (user, task, tags); {} when none. */
  readonly attrs: Readonly<Record<string, string>>;
  /** `allow`, `modify` or `deny`; null while the request is being decided. */
  readonly decision: string | null;
  readonly policy: string | null;
  readonly code: string | null;
  readonly reason: string | null;
  /** `allow`, `redact` or `deny` for the response; null when none came back. */
  readonly responseAction: string | null;
  /** Values redacted in the request or the response (safety decides a request's as `modify`). */
  readonly redactedValues: number;
  /** What the agent got: the provider's HTTP status, or the status of iron's refusal. */
  readonly status: number | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: number;
  readonly latencyMs: number | null;
  readonly complete: boolean | null;
  readonly error: string | null;
}

/** A circuit breaker's last known state. */
export interface BreakerRecord {
  readonly provider: string;
  readonly model: string | null;
  readonly state: string;
  readonly since: number;
  readonly reason: string | null;
}

/** What the supervisor keeps its state in. */
export interface Store {
  /** The state file, or null when nothing is kept beyond the process. */
  readonly path: string | null;
  /** This supervisor's number in the state file (null without one): runs are keyed by it. */
  readonly instance: number | null;
  /** Commits events in batches off the decision path, then hands them to the bus. */
  readonly sink: EventSink;
  readonly budgets: BudgetLedger;
  /** Agent processes, durably (null: the lifecycle keeps them in memory). */
  readonly runs: RunRegistry | null;
  /** Scrubs events with this store's hash key, so hashes correlate within it. */
  readonly scrubber: Scrubber;
  /** Set once the store has failed; the supervisor then denies every call (fail closed). */
  readonly failure: IronError | null;
  /** Called once when the store fails. */
  onFailure(listener: (error: IronError) => void): void;
  /** The seq of the last event known to be durable (0 when nothing is). */
  lastCommitted(): number;
  /** Committed events with seq > `after`, oldest first, at most `limit`; null when no history is kept. */
  eventsAfter(after: number, limit: number): IronEvent[] | null;
  /** Every committed event of one call in seq order ([] for an unknown call); null when no history is kept. */
  callEvents(callId: string): IronEvent[] | null;
  /** The most recent calls, newest last. */
  recentCalls(limit: number): CallRecord[];
  breakers(): BreakerRecord[];
  /** A breaker board shared with other supervisors (absent: each supervisor keeps its own). */
  /** Calls `listener` when this supervisor changes a limit other supervisors share (absent: limits are its own). */
  onLimitChange?(listener: (scope: string, previous: number | null, next: number) => void): void;
  /** Rate limits shared with other supervisors (absent: each supervisor keeps its own buckets). */
  rateLimiter?(): RateLimits;
  breakerBoard?(settings: BreakerSettings, clock: BreakerClock, onChange: (change: BreakerChange) => void): BreakerBoard;
  /** Commits what is pending, records a clean stop, and releases the file (or the connections). */
  close(): void | Promise<void>;
}
