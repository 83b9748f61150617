// The SQLite state store: one file (WAL) holding the event log, the call ledger, budgets,
// agents and runs, breaker state. Opening migrates it, claims it for this supervisor, and
// settles what a supervisor that died left behind.
import { createHmac } from "node:crypto";
import type { IronError } from "../../errors.js";
import { createHasher, Scrubber } from "../../events/scrub.js";
import type { IronEvent } from "../../events/types.js";
import type { BreakerRecord, CallRecord, Store } from "../store.js";
import { openDatabase, storeError, type Db } from "./database.js";
import { DEFAULT_RETENTION, Pruner, type Retention } from "./retention.js";
import { migrate } from "./migrations.js";
import { installSecret } from "../install-secret.js";
import { callEvents, eventsAfter } from "./event-queries.js";
import { CALL_COLUMNS, toBreakerRecord, toCallRecord } from "./rows.js";
import { SqliteRunRegistry } from "./sqlite-run-registry.js";
import { SqliteBudgetLedger } from "./sqlite-budget-ledger.js";
import type { HoldJournal } from "./hold-journal.js";
import { SqliteEventSink } from "./sqlite-event-sink.js";
import { endSupervisor, registerSupervisor, type Recovery } from "./supervisor-registry.js";

export interface SqliteStoreOptions {
  readonly clock?: () => number;
  /** The install secret scrubbed values are keyed with (default: installSecret()); never written to the file. */
  readonly secret?: Buffer;
  /** How much history to keep (default DEFAULT_RETENTION); false keeps everything. */
  readonly retention?: Retention | false;
}

/** A Store in a SQLite file; the supervisor's only writer of it. */
export class SqliteStore implements Store {
  readonly path: string;
  readonly sink: SqliteEventSink;
  readonly budgets: SqliteBudgetLedger;
  readonly runs: SqliteRunRegistry;
  readonly scrubber: Scrubber;
  /** What this start found and settled of supervisors that died without closing. */
  readonly recovery: Recovery;
  readonly supervisorId: number;
  readonly instance: number;
  readonly #db: Db;
  readonly #clock: () => number;
  readonly #listeners: ((error: IronError) => void)[] = [];
  readonly #pruner: Pruner | null;
  #failure: IronError | null = null;
  #closed = false;
  readonly #journal: HoldJournal;

  private constructor(path: string, db: Db, clock: () => number, secret: Buffer, retention: Retention | false) {
    this.path = path;
    this.#db = db;
    this.#clock = clock;
    migrate(db);
    this.scrubber = new Scrubber(createHasher(hashKey(db, secret)));
    const registered = registerSupervisor(db, path, clock());
    this.supervisorId = registered.id;
    this.instance = registered.id;
    this.recovery = registered.recovery;
    this.#journal = registered.openJournal();
    const fail = (error: unknown, doing: string): Error => this.#fail(error, doing);
    const failedAlready = (): boolean => this.#failure !== null;
    this.budgets = new SqliteBudgetLedger({
      db,
      supervisorId: this.supervisorId,
      // Scope names recur on every decision (and a budget status): Scrubber.text remembers short texts.
      keyOf: (scope) => this.scrubber.text(scope),
      ensureHealthy: () => {
        if (this.#failure !== null) throw this.#failure;
      },
      failedAlready,
      fail,
      requestFlush: () => this.sink.schedule(),
      commitNow: () => this.sink.flush(),
      clock,
      journal: this.#journal,
    });
    this.sink = new SqliteEventSink({
      db,
      path,
      supervisorId: this.supervisorId,
      failedAlready,
      fail,
      takeAlong: () => this.budgets.takeChanges(),
      alongDone: (committed) => this.budgets.changesDone(committed),
      alongPending: () => this.budgets.pending,
    });
    this.runs = new SqliteRunRegistry({
      db,
      supervisorId: this.supervisorId,
      failedAlready,
      fail,
      ensureHealthy: () => {
        if (this.#failure !== null) throw this.#failure;
      },
    });
    // Checkpoints (the one step that waits for the disk) happen on the commit worker, never here.
    db.pragma("wal_autocheckpoint = 0");
    this.#pruner = retention === false ? null : new Pruner(db, retention, clock, (error) => this.#fail(error, "pruning old history"));
  }

  /** Opens (creating and migrating) the state file and claims it; throws IRON_ERR_STORE. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const db = openDatabase(path);
    try {
      return new SqliteStore(path, db, options.clock ?? Date.now, options.secret ?? installSecret(), options.retention ?? DEFAULT_RETENTION);
    } catch (error) {
      db.close();
      throw storeError(error, path, "preparing the state file");
    }
  }

  get failure(): IronError | null {
    return this.#failure;
  }

  onFailure(listener: (error: IronError) => void): void {
    this.#listeners.push(listener);
  }

  // The first failure sticks: the supervisor fails closed until it is restarted.
  #fail(error: unknown, doing: string): IronError {
    if (this.#failure !== null) return this.#failure;
    const failure = storeError(error, this.path, doing);
    this.#failure = failure;
    for (const listener of this.#listeners) listener(failure);
    return failure;
  }

  lastCommitted(): number {
    return this.sink.lastCommitted;
  }

  eventsAfter(after: number, limit: number): IronEvent[] {
    return eventsAfter(this.#db, after, limit);
  }

  callEvents(callId: string): IronEvent[] {
    return callEvents(this.#db, callId);
  }

  recentCalls(limit: number): CallRecord[] {
    const rows = this.#db.prepare<[number], Record<string, unknown>>(`SELECT ${CALL_COLUMNS} FROM calls ORDER BY requested_at DESC, rowid DESC LIMIT ?`).all(limit);
    return rows.reverse().map(toCallRecord);
  }

  breakers(): BreakerRecord[] {
    return this.#db.prepare<[], Record<string, unknown>>("SELECT * FROM breakers ORDER BY provider, model").all().map(toBreakerRecord);
  }

  /** Commits pending events, records a clean stop and closes the file. Safe to call twice. */
  close(reason = "closed"): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pruner?.stop();
    this.sink.flush();
    // The worker's connection closes first: every batch is in, and holds left are charged below.
    this.sink.stop();
    let ended = false;
    try {
      if (this.#failure === null) {
        endSupervisor(this.#db, this.supervisorId, this.#clock(), reason);
        ended = true;
      }
    } catch (error) {
      this.#fail(error, "recording the supervisor's stop");
    } finally {
      // After a clean stop every hold is in the file (and charged): the journal goes. Otherwise the next start replays it.
      this.#journal.close(ended);
      this.#db.close();
    }
  }
}

// The key of scrubbed values' hashes, from the install secret: a key kept in the file itself
// would let whoever holds a copy brute-force the values (an older file's key is removed).
function hashKey(db: Db, secret: Buffer): Buffer {
  db.prepare("DELETE FROM meta WHERE key = 'hash_key'").run();
  return createHmac("sha256", secret).update("iron scrubbed values").digest();
}
