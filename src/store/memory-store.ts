// The store for library users who keep no state file: budgets in memory, events delivered as
// they are published, no history beyond the process (the stream keeps its own recent window).
import type { IronError } from "../errors.js";
import { ImmediateSink } from "../events/bus.js";
import { Scrubber } from "../events/scrub.js";
import { MemoryBudgetLedger } from "./memory-budget-ledger.js";
import type { BreakerRecord, CallRecord, Store } from "./store.js";

/** A Store that lives and dies with the process; it never fails. */
export class MemoryStore implements Store {
  readonly path = null;
  readonly instance = null;
  readonly sink = new ImmediateSink();
  readonly budgets = new MemoryBudgetLedger();
  readonly runs = null;
  readonly scrubber = new Scrubber();
  readonly failure: IronError | null = null;

  onFailure(): void {
    // Memory does not fail.
  }

  lastCommitted(): number {
    return 0;
  }

  eventsAfter(): null {
    return null;
  }

  callEvents(): null {
    return null;
  }

  recentCalls(): CallRecord[] {
    return [];
  }

  breakers(): BreakerRecord[] {
    return [];
  }

  close(): void {
    // Nothing to release.
  }
}
