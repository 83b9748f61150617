// The event log's writer: events are group-committed in one transaction a few milliseconds after
// the first of them was published (never on the turn that answers a decision, and one commit for
// every call made meanwhile instead of one per turn), and only then handed to the bus.
import type { EventSink } from "../../events/bus.js";
import { eventText } from "../../events/event-text.js";
import type { IronEvent } from "../../events/types.js";
import type { Db } from "./database.js";
import { Projector } from "./projections.js";

/** How long events wait to be committed together: short for a stream client, long enough to group many calls. */
export const GROUP_COMMIT_MS = 5;

export interface SqliteEventSinkContext {
  readonly db: Db;
  readonly supervisorId: number;
  readonly failedAlready: () => boolean;
  /** Records a failure of the store (it then fails closed). */
  readonly fail: (error: unknown, doing: string) => Error;
  /** Other writes that ride in the batch (the ledger's settles), and whether any wait. */
  readonly writeAlong: () => void;
  readonly alongPending: () => boolean;
}

/** Appends events and their projections in batches; a failed batch is still delivered, but marked by the store's failure. */
export class SqliteEventSink implements EventSink {
  readonly lastSeq: number;
  readonly #c: SqliteEventSinkContext;
  readonly #insert;
  readonly #projector: Projector;
  readonly #commitBatch: (batch: readonly IronEvent[]) => void;
  #pending: IronEvent[] = [];
  #scheduled: NodeJS.Timeout | null = null;
  #deliver: (batch: readonly IronEvent[]) => void = () => undefined;
  #committed: number;
  #flushing = false;

  constructor(context: SqliteEventSinkContext) {
    this.#c = context;
    const db = context.db;
    this.lastSeq = (db.prepare("SELECT MAX(seq) AS seq FROM events").get() as { seq: number | null }).seq ?? 0;
    this.#committed = this.lastSeq;
    this.#insert = db.prepare("INSERT INTO events (seq, ts, type, agent_id, supervisor_id, data) VALUES (?, ?, ?, ?, ?, ?)");
    this.#projector = new Projector(db);
    this.#commitBatch = db.transaction((batch: readonly IronEvent[]) => {
      context.writeAlong();
      for (const event of batch) {
        const agentId = "agentId" in event && typeof event.agentId === "string" ? event.agentId : null;
        this.#insert.run(event.seq, event.ts, event.type, agentId, context.supervisorId, eventText(event));
      }
      this.#projector.applyBatch(batch, context.supervisorId);
    });
  }

  /** The seq of the last event known to be on disk. */
  get lastCommitted(): number {
    return this.#committed;
  }

  append(event: IronEvent): void {
    this.#pending.push(event);
    // Once the store has failed nothing is committed any more: deliver at once, in order.
    if (this.#c.failedAlready()) this.flush();
    else this.schedule();
  }

  /** Asks for a batch within GROUP_COMMIT_MS (settles and events then share one transaction). */
  schedule(): void {
    this.#scheduled ??= setTimeout(() => this.flush(), GROUP_COMMIT_MS);
  }

  onCommit(deliver: (batch: readonly IronEvent[]) => void): void {
    this.#deliver = deliver;
  }

  /** Commits the pending batch in one transaction, then delivers it (in seq order, even when the commit fails). */
  flush(): void {
    if (this.#flushing) return; // the flush already running picks up what was added
    this.#flushing = true;
    try {
      if (this.#scheduled !== null) clearTimeout(this.#scheduled);
      this.#scheduled = null;
      while (this.#pending.length > 0 || (!this.#c.failedAlready() && this.#c.alongPending())) {
        const batch = this.#pending;
        this.#pending = [];
        let failure: unknown = null;
        if (!this.#c.failedAlready()) {
          try {
            this.#commitBatch(batch);
            this.#committed = batch[batch.length - 1]?.seq ?? this.#committed;
          } catch (error) {
            failure = error ?? new Error("unknown failure");
          }
        }
        if (batch.length > 0) this.#deliver(batch);
        // After the failed batch: the store's failure is published (and delivered by this loop).
        if (failure !== null) this.#c.fail(failure, "writing events");
        // Healthy: what listeners published meanwhile goes into the next turn's batch.
        if (!this.#c.failedAlready()) break;
      }
    } finally {
      this.#flushing = false;
    }
  }
}
