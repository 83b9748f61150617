// The event log's writer: events are group-committed in one transaction a few milliseconds after
// the first of them was published (never on the turn that answers a decision, and one commit for
// every call made meanwhile instead of one per turn), and only then handed to the bus. The
// transaction runs on a worker thread (commit-worker.ts, its own connection): the main thread
// only joins the events' JSON texts into one string and posts it with the ledger's changes, so a
// decision arriving meanwhile is answered while the batch is written. One batch is in flight at a
// time; what is published meanwhile goes into the next. The worker starts with the first batch and
// ends once no batch came for a while (a worker isolate holds several MiB): an idle supervisor
// holds none. That while is a second at first and then twice the last quiet spell that stopped a
// worker too early (at most a minute), so calls a few seconds apart do not start a worker each.
import type { EventSink } from "../../events/bus.js";
import { eventText } from "../../events/event-text.js";
import type { IronEvent } from "../../events/types.js";
import type { CommitBatch, LedgerChanges } from "./batch-writer.js";
import { CommitThread } from "./commit-thread.js";
import type { CommitReply } from "./commit-worker.js";
import type { Db } from "./database.js";

/** How long events wait to be committed together: short for a stream client, long enough to group many calls. */
export const GROUP_COMMIT_MS = 5;
/** How long the first commit worker waits for the next batch before it ends (the next batch starts another). */
export const IDLE_STOP_MS = 1000;
/** The longest a worker waits for the next batch. */
export const MAX_IDLE_STOP_MS = 60_000;

/** How long a worker waits for a batch once one had to be started again after `quietMs` without any: twice that, within bounds. */
export function idleStopAfter(quietMs: number): number {
  return Math.min(MAX_IDLE_STOP_MS, Math.max(IDLE_STOP_MS, 2 * quietMs));
}

export interface SqliteEventSinkContext {
  readonly db: Db;
  readonly path: string;
  readonly supervisorId: number;
  readonly failedAlready: () => boolean;
  /** Records a failure of the store (it then fails closed). */
  readonly fail: (error: unknown, doing: string) => Error;
  /** The ledger's changes that ride in the batch (null: none wait), and whether the batch must be committed before anything else happens. */
  readonly takeAlong: () => { readonly changes: LedgerChanges; readonly waitForIt: boolean } | null;
  /** Called when the batch that carried the ledger's changes is committed (true) or failed (false). */
  readonly alongDone: (committed: boolean) => void;
  readonly alongPending: () => boolean;
}

/** A batch posted to the worker and not answered yet. */
interface InFlight {
  readonly id: number;
  readonly events: readonly IronEvent[];
  readonly along: boolean;
}

/** Appends events and their projections in batches; a failed batch is still delivered, but marked by the store's failure. */
export class SqliteEventSink implements EventSink {
  readonly lastSeq: number;
  readonly #c: SqliteEventSinkContext;
  #thread: CommitThread | null = null;
  /** A worker stopped for idleness that may still be closing its connection. */
  #retiring: CommitThread | null = null;
  #idle: NodeJS.Timeout | null = null;
  #idleStopMs = IDLE_STOP_MS;
  /** When the last worker went quiet, if the idle timer then stopped it (null: none was stopped so). */
  #quietSince = 0;
  #stoppedIdle = false;
  #pending: IronEvent[] = [];
  #inFlight: InFlight | null = null;
  #nextId = 1;
  #scheduled: NodeJS.Timeout | null = null;
  #deliver: (batch: readonly IronEvent[]) => void = () => undefined;
  #committed: number;
  #flushing = false;

  constructor(context: SqliteEventSinkContext) {
    this.#c = context;
    this.lastSeq = (context.db.prepare("SELECT MAX(seq) AS seq FROM events").get() as { seq: number | null }).seq ?? 0;
    this.#committed = this.lastSeq;
  }

  // The running worker, started with the first batch after start-up or after an idle stop.
  #started(): CommitThread {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    if (this.#thread !== null) return this.#thread;
    if (this.#stoppedIdle) this.#idleStopMs = idleStopAfter(Date.now() - this.#quietSince);
    this.#stoppedIdle = false;
    const thread = new CommitThread(this.#c.path, this.#c.supervisorId);
    thread.onReply((reply) => this.#answered(reply));
    thread.onDeath((error) => {
      const inFlight = this.#inFlight;
      if (inFlight !== null) this.#answered({ id: inFlight.id, error: { message: error.message, code: null } });
      else this.#c.fail(error, "writing events");
    });
    this.#thread = thread;
    return thread;
  }

  // Ends the worker once nothing was posted for #idleStopMs (a timer that never keeps the process alive).
  #stopWhenIdle(): void {
    if (this.#thread === null || this.#idle !== null) return;
    this.#quietSince = Date.now();
    this.#idle = setTimeout(() => {
      this.#idle = null;
      const thread = this.#thread;
      if (thread === null || this.#inFlight !== null || this.#pending.length > 0 || this.#scheduled !== null || this.#flushing) return;
      this.#thread = null;
      this.#stoppedIdle = true;
      this.#retiring?.stop(); // had a second or more to close: does not wait
      this.#retiring = thread;
      thread.retire(); // the main thread never waits for an idle worker to close
    }, this.#idleStopMs);
    this.#idle.unref();
  }

  /** How long the worker now waits for a batch before it ends. */
  get idleStopMs(): number {
    return this.#idleStopMs;
  }

  /** Whether a commit worker runs now (none before the first batch, nor once idle). */
  get workerRunning(): boolean {
    return this.#thread !== null;
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
    this.#scheduled ??= setTimeout(() => {
      this.#scheduled = null;
      this.#post();
    }, GROUP_COMMIT_MS);
  }

  onCommit(deliver: (batch: readonly IronEvent[]) => void): void {
    this.#deliver = deliver;
  }

  /** Commits everything pending (waiting for the worker), and delivers it in seq order, even when the commit fails. */
  flush(): void {
    if (this.#flushing) return; // the flush already running picks up what was added
    this.#flushing = true;
    try {
      if (this.#scheduled !== null) clearTimeout(this.#scheduled);
      this.#scheduled = null;
      for (;;) {
        if (this.#inFlight !== null) this.#waitForAnswer();
        else if (this.#c.failedAlready()) {
          if (this.#pending.length === 0) break;
          const batch = this.#pending;
          this.#pending = [];
          this.#deliver(batch);
        } else if (!this.#post()) break;
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Closes the worker's connection (after a flush; the store closes its own after); the next batch starts another. */
  stop(): void {
    if (this.#idle !== null) clearTimeout(this.#idle);
    this.#idle = null;
    const thread = this.#thread;
    const retiring = this.#retiring;
    this.#thread = null;
    this.#retiring = null;
    retiring?.stop();
    thread?.stop();
  }

  // Posts what is pending as one batch when none is in flight; false when there was nothing to post.
  #post(): boolean {
    if (this.#inFlight !== null || this.#c.failedAlready()) return false;
    const along = this.#c.takeAlong();
    if (this.#pending.length === 0 && along === null) return false;
    const events = this.#pending;
    this.#pending = [];
    // Joined at once into one flat string (a string built with += is a rope the clone must flatten first).
    const texts: string[] = new Array(events.length);
    for (let i = 0; i < events.length; i += 1) texts[i] = eventText(events[i] as IronEvent);
    const batch: CommitBatch = { id: this.#nextId++, events: texts.join("\n"), ledger: along?.changes ?? null };
    this.#inFlight = { id: batch.id, events, along: along !== null };
    this.#started().post(batch);
    // A journal about to start over must see its mark committed before the next hold is appended.
    if (along?.waitForIt === true && !this.#flushing) this.flush();
    return true;
  }

  #waitForAnswer(): void {
    try {
      if (this.#thread === null) throw new Error("the commit worker is not running");
      this.#thread.waitForReply();
    } catch (error) {
      const inFlight = this.#inFlight;
      if (inFlight !== null) this.#answered({ id: inFlight.id, error: { message: error instanceof Error ? error.message : String(error), code: null } });
    }
  }

  // The worker's answer: the batch is on disk (or failed), so it may be seen; then what waited goes next.
  #answered(reply: CommitReply): void {
    const inFlight = this.#inFlight;
    if (inFlight === null || reply.id !== inFlight.id) return;
    this.#inFlight = null;
    const failure = reply.error === undefined ? null : Object.assign(new Error(reply.error.message), reply.error.code === null ? {} : { code: reply.error.code });
    if (failure === null) this.#committed = inFlight.events[inFlight.events.length - 1]?.seq ?? this.#committed;
    if (inFlight.along) this.#c.alongDone(failure === null);
    if (inFlight.events.length > 0) this.#deliver(inFlight.events);
    // After the failed batch: the store's failure is published (and delivered after it, in order).
    if (failure !== null) this.#c.fail(failure, "writing events");
    this.#stopWhenIdle(); // unless a batch is posted before the timer runs out (#started clears it)
    if (this.#flushing) return; // the flush that waited goes on
    if (this.#c.failedAlready()) this.flush();
    // What came while this batch was written goes now, unless its own timer is still running.
    else if (this.#scheduled === null && (this.#pending.length > 0 || this.#c.alongPending())) this.#post();
  }
}
