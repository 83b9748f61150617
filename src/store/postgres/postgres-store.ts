// The fleet store: many supervisors, on many hosts, share one PostgreSQL database. Each keeps
// its events and ledger rows there (batched, off the decision path) under its own supervisor
// id (host, pid), and shares budgets through leases. Reads answered synchronously (the Store
// interface) come from this supervisor's recent window; fleet-wide reads go to the database.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import type { IronError } from "../../errors.js";
import { createHasher, Scrubber } from "../../events/scrub.js";
import type { IronEvent } from "../../events/types.js";
import { VERSION } from "../../version.js";
import type { BreakerRecord, CallRecord, Store } from "../store.js";
import { clientConfig, openPool, pgStoreError } from "./pg-connect.js";
import { PgEventSink } from "./pg-event-sink.js";
import { migrateSchema } from "./pg-schema.js";
import { LeaseLedger } from "./lease-ledger.js";
import type { LeaseOptions } from "./lease-types.js";
import { DB_NOW } from "./lease-sql.js";
import { redactUrl } from "./postgres-url.js";
import type { BreakerChange, BreakerClock } from "../../policy/breaker/board.js";
import type { BreakerSettings } from "../../policy/breaker/machine.js";
import { FleetBreakerBoard } from "./fleet-breakers.js";
import { FleetRateLimiter } from "./fleet-rate-limits.js";
import { PgPruner, type PgPruned } from "./pg-retention.js";
import { DEFAULT_RETENTION, type Retention } from "../sqlite/retention.js";

/** How long closing waits for pending writes to reach the database. */
const CLOSE_WAIT_MS = 10_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export interface PostgresStoreOptions {
  readonly leases?: LeaseOptions;
  /** How long closing waits for pending writes when the database is away (default 10 s). */
  readonly closeWaitMs?: number;
  /** How much history the database keeps (iron.yaml's `retention:`, the same as a state file's); false keeps everything. */
  readonly retention?: Retention | false;
  /** How often pruning runs, in ms (default 10 minutes, and once at open); 0: only on pruneNow(). */
  readonly pruneEveryMs?: number;
  /** Rows a pruning batch deletes at most (default 5000). */
  readonly pruneBatch?: number;
}

/** A Store in a PostgreSQL database shared by a fleet of supervisors. */
export class PostgresStore implements Store {
  readonly path: string;
  readonly instance: number;
  readonly supervisorId: number;
  readonly host: string;
  readonly sink: PgEventSink;
  readonly budgets: LeaseLedger;
  readonly runs = null;
  readonly scrubber: Scrubber;
  readonly failure: IronError | null = null;
  readonly #pool: pg.Pool;
  #listener: pg.Client;
  readonly #listeners: ((error: IronError) => void)[] = [];
  /** Boards that follow the fleet's breakers (re-subscribed when the listener reconnects). */
  readonly #boards: FleetBreakerBoard[] = [];
  readonly #onError: (error: unknown, doing: string) => IronError;
  readonly #limitListeners: ((scope: string, previous: number | null, next: number) => void)[] = [];
  readonly #url: string;
  readonly #closeWaitMs: number;
  #lastError: IronError | null = null;
  #closing: Promise<void> | null = null;
  readonly #pruner: PgPruner;

  private constructor(url: string, pool: pg.Pool, listener: pg.Client, supervisorId: number, hashKey: Buffer, options: PostgresStoreOptions) {
    this.#url = url;
    this.#closeWaitMs = options.closeWaitMs ?? CLOSE_WAIT_MS;
    this.path = redactUrl(url);
    this.#pool = pool;
    this.#listener = listener;
    this.supervisorId = supervisorId;
    this.instance = supervisorId;
    this.host = hostname();
    this.scrubber = new Scrubber(createHasher(hashKey));
    const onError = (error: unknown, doing: string): IronError => {
      this.#lastError = pgStoreError(error, url, doing);
      return this.#lastError;
    };
    this.#onError = onError;
    this.sink = new PgEventSink({ pool, supervisorId, host: this.host, onError });
    const onLimitChanged = (scope: string, previous: number | null, next: number): void => {
      for (const listener of this.#limitListeners) listener(scope, previous, next);
    };
    this.budgets = new LeaseLedger(
      { pool, supervisorId, keyOf: (scope) => this.scrubber.text(scope), onError, describeError: (error, doing) => pgStoreError(error, url, doing), onLimitChanged },
      options.leases,
    );
    const retention = options.retention ?? DEFAULT_RETENTION;
    this.#pruner = new PgPruner(pool, retention, Date.now, (error) => onError(error, "pruning old history"), options.pruneEveryMs ?? 10 * 60_000, options.pruneBatch);
  }

  /** Prunes old history now, one full pass (retention:); skipped while another supervisor prunes. */
  pruneNow(): Promise<PgPruned> {
    return this.#pruner.pruneNow();
  }

  // The listener connection carries NOTIFYs; when the server goes away it is opened again.
  #watchListener(client: pg.Client): void {
    client.once("end", () => {
      if (this.#closing !== null) return;
      const retry = setTimeout(() => void this.#reconnectListener(), 500);
      retry.unref();
    });
  }

  async #reconnectListener(): Promise<void> {
    if (this.#closing !== null) return;
    const client = new pg.Client(clientConfig(this.#url));
    client.on("error", () => undefined);
    this.#listener = client;
    this.#watchListener(client);
    try {
      await client.connect();
      await this.budgets.listen(client);
      for (const board of this.#boards) await board.listen(client);
    } catch {
      await client.end().catch(() => undefined);
    }
  }

  /** Connects, migrates the schema and registers this supervisor (host, pid); throws IRON_ERR_STORE within seconds. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = await openPool(url);
    const listener = new pg.Client(clientConfig(url));
    listener.on("error", () => undefined);
    try {
      await migrateSchema(pool);
      await pool.query("INSERT INTO meta (key, value) VALUES ('hash_key', $1) ON CONFLICT (key) DO NOTHING", [randomBytes(32).toString("hex")]);
      const key = (await pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'hash_key'")).rows[0]?.value ?? "";
      const registered = await pool.query<{ id: number }>(`INSERT INTO supervisors (host, pid, version, started_at, heartbeat_at) VALUES ($1, $2, $3, ${DB_NOW}, ${DB_NOW}) RETURNING id`, [
        hostname(),
        process.pid,
        VERSION,
      ]);
      const id = registered.rows[0]?.id;
      if (id === undefined) throw new Error("registering the supervisor returned no id");
      await listener.connect();
      const store = new PostgresStore(url, pool, listener, id, Buffer.from(key, "hex"), options);
      await store.budgets.load();
      await store.budgets.listen(listener);
      store.#watchListener(listener);
      return store;
    } catch (error) {
      await listener.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw pgStoreError(error, url, "preparing the database");
    }
  }

  /** Breakers shared with the fleet: opened on one supervisor, open on all; one half-open probe for the fleet. */
  breakerBoard(settings: BreakerSettings, clock: BreakerClock, onChange: (change: BreakerChange) => void): FleetBreakerBoard {
    const board = new FleetBreakerBoard(settings, clock, onChange, { pool: this.#pool, supervisorId: this.supervisorId, onError: this.#onError });
    this.#boards.push(board);
    board.listen(this.#listener).catch((error: unknown) => this.#onError(error, "following the fleet's breakers"));
    return board;
  }

  /** Calls `listener` when this supervisor changes a budget limit for the whole fleet. */
  onLimitChange(listener: (scope: string, previous: number | null, next: number) => void): void {
    this.#limitListeners.push(listener);
  }

  /** Rate limits shared with the fleet: one allowance per minute window for every supervisor. */
  rateLimiter(): FleetRateLimiter {
    return new FleetRateLimiter({ pool: this.#pool, keyOf: (key) => this.scrubber.text(key), onError: this.#onError });
  }

  /** The last background write that failed (retried; null when none has). */
  get lastError(): IronError | null {
    return this.#lastError;
  }

  onFailure(listener: (error: IronError) => void): void {
    this.#listeners.push(listener);
  }

  lastCommitted(): number {
    return this.sink.lastCommitted;
  }

  eventsAfter(after: number, limit: number): IronEvent[] {
    return this.sink.recent.filter((e) => e.seq > after).slice(0, limit);
  }

  callEvents(callId: string): IronEvent[] {
    return this.sink.recent.filter((e) => "callId" in e && e.callId === callId);
  }

  recentCalls(limit: number): CallRecord[] {
    return [...this.sink.calls.values()].sort((a, b) => a.requestedAt - b.requestedAt).slice(-limit);
  }

  breakers(): BreakerRecord[] {
    return [...this.sink.breakers.values()].sort((a, b) => (a.provider + (a.model ?? "") < b.provider + (b.model ?? "") ? -1 : 1));
  }

  /** Waits until every event and settle so far is written. */
  async drain(): Promise<void> {
    await this.sink.drain();
    await this.budgets.flush();
  }

  /** Writes what is pending, returns unused budget slices, records a clean stop. Safe to call twice. */
  close(reason = "closed"): Promise<void> {
    this.#closing ??= (async () => {
      try {
        // A database that stays away must not hold the supervisor's exit forever.
        const gaveUp = await Promise.race([this.drain().then(() => false), delay(this.#closeWaitMs).then(() => true)]);
        if (gaveUp) {
          this.sink.stop();
          throw new Error(`pending events and settles were not written within ${this.#closeWaitMs} ms`);
        }
        await this.#pruner.stop();
        await this.budgets.close();
        await this.#pool.query(`UPDATE supervisors SET ended_at = ${DB_NOW}, end_reason = $2 WHERE id = $1`, [this.supervisorId, reason]);
      } catch (error) {
        this.#lastError = pgStoreError(error, this.#url, "closing");
      } finally {
        await this.#listener.end().catch(() => undefined);
        await this.#pool.end().catch(() => undefined);
      }
    })();
    return this.#closing;
  }
}
