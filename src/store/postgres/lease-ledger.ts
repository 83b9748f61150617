// BudgetLedger for a fleet on PostgreSQL. Each supervisor borrows slices (leases) of a scope's
// remaining budget and reserves from them in memory, so a decision never waits on the network.
// Slices refill in the background below a low-water mark; settles are batched and charged once
// per call id; near the limit an asker NOTIFYs and the others give back what they are not using.
// Idle scopes may be dropped from memory (forget): their slice goes back to the fleet first, and the
// next use reads limit and spend back from the database, as for a scope never seen. The arithmetic on
// scopes and holds is the book's (lease-book.ts); this file does the talking to the database.
import type pg from "pg";
import type { BudgetLedger, BudgetSelector, ReserveResult, ResetScope, ScopeBalance } from "../../policy/budget-ledger.js";
import { resetSpendIn } from "./fleet-budget-reset.js";
import { LeaseBook } from "./lease-book.js";
import { type BudgetNotice, readNotice, sendNotice } from "./lease-notices.js";
import { BUDGET_CHANNEL as CHANNEL, type LeaseLedgerContext, type LeaseOptions, type Scope } from "./lease-types.js";
import { dropLease, grantLease, readBudget, readLimits, reclaimExpiredLeases, renewLeases, returnLease, writeLimit } from "./lease-sql.js";
import { SettlementQueue } from "./lease-settlements.js";
import { ReturnWaiters } from "./return-waiters.js";
import { SerialWrites } from "./serial-writes.js";

/** Budgets shared by every supervisor on one database, reserved locally from leased slices. */
export class LeaseLedger implements BudgetLedger {
  /** Spend and limits are in the database: a scope dropped from memory is read back on next use. */
  readonly reloadsSpend = true;
  readonly #c: LeaseLedgerContext;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  readonly #book: LeaseBook;
  readonly #returned = new ReturnWaiters();
  readonly #settlements: SettlementQueue;
  readonly #writes: SerialWrites;
  #flushScheduled = false;
  /** Grants received so far (a heartbeat's renewal may miss one that landed meanwhile). */
  #grants = 0;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(context: LeaseLedgerContext, options: LeaseOptions = {}) {
    this.#c = context;
    this.#settlements = new SettlementQueue(context.pool, context.supervisorId);
    this.#writes = new SerialWrites((error, doing) => context.onError(error, doing));
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#book = new LeaseBook(options.sliceFraction ?? 0.02);
    this.#waitMs = options.waitMs ?? 2000;
    this.#timer = setInterval(() => void this.#heartbeat(), Math.max(50, Math.floor(this.#ttlMs / 3)));
    this.#timer.unref();
  }

  /** Subscribes a (re)connected listener to the fleet's budget notices. */
  async listen(listener: pg.Client): Promise<void> {
    listener.on("notification", (n) => {
      if (n.channel !== CHANNEL || n.payload === undefined) return;
      const notice = readNotice(n.payload);
      if (notice !== null) this.#onNotice(notice);
    });
    await listener.query(`LISTEN ${CHANNEL}`);
  }

  /**
   * A number sets the fleet's limit (the last supervisor to configure one wins; a change is
   * NOTIFYed, and holders of a lowered limit give back what they are not using). Null changes
   * nothing in the fleet: this supervisor follows the fleet's limit.
   */
  setLimit(scope: string, micros: number | null): void {
    const key = this.#c.keyOf(scope);
    const s = this.#book.scope(key);
    if (micros === null) {
      if (s.limit === null) this.#writes.send("reading a budget limit", () => this.#learn(key));
      return;
    }
    const lowered = s.limit !== null && micros < s.limit;
    s.limit = micros;
    s.own = true;
    if (lowered) this.#giveBackSpare(key, s);
    this.#writes.send("setting a budget limit", async () => {
      const previous = await writeLimit(this.#c.pool, key, micros);
      if (previous === micros) return;
      await sendNotice(this.#c.pool, { kind: "limit", from: this.#c.supervisorId, key, limit: micros });
      this.#c.onLimitChanged?.(scope, previous, micros);
    });
    // Borrow a first slice now, so the first call finds one; never right after lowering a limit,
    // when this supervisor has just given back what it held (a grant racing the other holders'
    // returns took a sliver of the room the lowered limit left).
    if (micros > 0 && !lowered && s.lease === 0) void this.#refill(key, 1);
  }

  /** Learns every limit the fleet has set, before the first call (a supervisor without `--budget` follows them). */
  async load(): Promise<void> {
    for (const row of await readLimits(this.#c.pool)) {
      const s = this.#book.scope(row.scope);
      s.limit ??= row.limit;
      s.spent = Math.max(s.spent, row.spent);
    }
  }

  async #learn(key: string): Promise<void> {
    const row = await readBudget(this.#c.pool, key);
    const s = this.#book.scope(key);
    if (row !== null && row.limit !== null) s.limit ??= row.limit;
  }

  limit(scope: string): number | null {
    return this.#book.limit(this.#c.keyOf(scope));
  }

  spent(scope: string): number {
    return this.#book.find(this.#c.keyOf(scope))?.spent ?? 0;
  }

  /** What this supervisor's calls in flight hold; other supervisors' holds are not seen here. */
  reserved(scope: string): number {
    return this.#book.find(this.#c.keyOf(scope))?.held ?? 0;
  }

  /** The limit less the fleet's spend (as last seen) and this supervisor's holds; other supervisors' holds are not seen here. */
  remaining(scope: string): number | null {
    return this.#book.remaining(this.#c.keyOf(scope));
  }

  /** Reserves from this supervisor's slices only (no network); a short slice is refilled in the background. */
  reserve(callId: string, scopes: readonly string[], micros: number): ReserveResult {
    const keys = scopes.map((scope) => this.#c.keyOf(scope));
    return this.#book.reserve(callId, keys, micros, Date.now(), (key) => void this.#refill(key, micros));
  }

  /**
   * Like reserve, but a short slice waits (bounded) for a grant or for what others give back.
   * Throws IRON_ERR_STORE when the slice ran out and the database cannot be reached (fail closed).
   */
  async acquire(callId: string, scopes: readonly string[], micros: number): Promise<ReserveResult> {
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      const result = this.reserve(callId, scopes, micros);
      if (result.ok || Date.now() >= deadline) return result;
      // A grant came (other calls here may take it first: try again); none came: the fleet is spent, or away.
      // While it waits, the call's need counts in what the next grant asks for, so a burst is served in one grant, not one per call.
      const s = this.#book.scope(result.scope);
      s.waiting += micros;
      let granted: boolean;
      try {
        granted = await this.#refill(result.scope, micros);
      } finally {
        s.waiting -= micros;
      }
      if (granted) continue;
      const unreachable = this.#book.scope(result.scope).unreachable;
      if (unreachable !== null) throw unreachable;
      return this.reserve(callId, scopes, micros);
    }
  }

  settle(callId: string, micros: number): readonly ScopeBalance[] {
    return this.#close(callId, micros);
  }

  release(callId: string): readonly ScopeBalance[] {
    return this.#close(callId, 0);
  }

  #close(callId: string, charge: number): readonly ScopeBalance[] {
    const keys = this.#book.close(callId, charge);
    if (keys === null) return [];
    if (charge > 0) {
      this.#settlements.add({ callId, keys, micros: charge });
      this.#scheduleFlush();
    }
    return keys.map((key) => this.#book.balance(key));
  }

  balances(): readonly ScopeBalance[] {
    return this.#book.balances();
  }

  /** This supervisor's slice of a scope (leased, not yet charged or returned). */
  leaseOf(scope: string): number {
    return this.#book.find(this.#c.keyOf(scope))?.lease ?? 0;
  }

  // One grant attempt per scope at a time; when the fleet has nothing unleased, ask the others to give back.
  #refill(key: string, micros: number): Promise<boolean> {
    const s = this.#book.scope(key);
    s.refill ??= (async () => {
      try {
        const deadline = Date.now() + this.#waitMs;
        let rounds = 0;
        for (;;) {
          const { min, want } = this.#book.grantSize(s, micros, Date.now());
          const grant = await this.#writes.run(() => grantLease(this.#c.pool, this.#c.supervisorId, { key, limitIfNew: s.limit, min, want, ttlMs: this.#ttlMs }));
          s.unreachable = null;
          s.spent = Math.max(s.spent, grant.spent);
          if (grant.granted > 0) {
            s.lease += grant.granted;
            this.#grants += 1;
            return true;
          }
          // Nobody else holds a slice, or two rounds of asking (every holder answers the first) did not cover it: the fleet is spent.
          if (grant.limit === null || grant.others === 0 || rounds >= 2 || this.#closed || Date.now() >= deadline) return false;
          rounds += 1;
          s.scarceUntil = Date.now() + this.#waitMs;
          await sendNotice(this.#c.pool, { kind: "pressure", from: this.#c.supervisorId, key });
          await this.#returned.returnedOrAfter(100);
          await reclaimExpiredLeases(this.#c.pool);
        }
      } catch (error) {
        s.unreachable = this.#c.onError(error, "leasing budget (this supervisor's slice is spent)");
        return false;
      } finally {
        s.refill = null;
      }
    })();
    return s.refill;
  }

  // Another supervisor asked: give back what is not reserved by calls in flight.
  #onNotice(notice: BudgetNotice): void {
    if (notice.kind === "returned") {
      this.#returned.wakeAll();
      return;
    }
    if (notice.kind === "limit") {
      this.#onLimit(notice);
      return;
    }
    if (notice.kind === "reset") {
      // `iron budget reset` zeroed spend in the database: read it back for the scopes in memory, after
      // writing this supervisor's own settles (what they charge counts after the reset).
      const scopes = notice.scopes === "all" ? this.#book.keys() : notice.scopes;
      this.#writes.send("reading a reset budget", () => this.#readBack(scopes));
      return;
    }
    if (notice.from === this.#c.supervisorId) return;
    const s = this.#book.find(notice.key);
    if (s === undefined) return;
    s.scarceUntil = Date.now() + this.#waitMs;
    const spare = this.#book.takeSpare(s);
    if (spare === 0) return;
    const key = notice.key;
    this.#writes.send("returning budget", async () => {
      await this.#settlements.write();
      await returnLease(this.#c.pool, this.#c.supervisorId, key, spare);
      await sendNotice(this.#c.pool, { kind: "returned", from: this.#c.supervisorId, key });
    });
  }

  async #readBack(scopes: readonly string[]): Promise<void> {
    await this.#settlements.write();
    for (const key of scopes) {
      if (this.#book.find(key) === undefined) continue;
      const row = await readBudget(this.#c.pool, key);
      const s = this.#book.find(key);
      if (s !== undefined && row !== null) s.spent = row.spent;
    }
  }

  /**
   * Zeroes the selected scopes' spend in the database (NOTIFY: every supervisor reads it back),
   * after writing this one's settles so far; resolves once this one has read the spend back.
   */
  async resetSharedSpent(selector: BudgetSelector): Promise<readonly ResetScope[]> {
    const keyed: BudgetSelector = "all" in selector ? selector : { scopes: selector.scopes.map((scope) => this.#c.keyOf(scope)) };
    let reset: readonly ResetScope[];
    try {
      await this.flush();
      reset = await resetSpendIn(this.#c.pool, keyed);
    } catch (error) {
      throw this.#c.describeError(error, "resetting budget spend");
    }
    // Done in the database: a failure to read it back here is reported as any store failure.
    await this.#writes.run(() => this.#readBack(reset.map((r) => r.scope))).catch((error: unknown) => this.#c.onError(error, "reading a reset budget"));
    return reset;
  }

  // Another supervisor set a limit: follow it; a lower one makes this supervisor give back what no call holds.
  #onLimit(notice: { readonly from: number | undefined; readonly key: string; readonly limit: number }): void {
    if (notice.from === this.#c.supervisorId) return;
    const s = this.#book.scope(notice.key);
    const lowered = s.limit === null || notice.limit < s.limit;
    s.limit = notice.limit;
    s.own = false;
    if (lowered) this.#giveBackSpare(notice.key, s);
  }

  /**
   * Drops scopes from memory that no call holds anything in, with no grant under way and every
   * settlement written; each one's unused slice goes back to the fleet first, so nothing is lost,
   * given back twice or kept from the other supervisors. The next use reads limit and spend back.
   */
  forget(scopes: readonly string[]): readonly string[] {
    const { dropped, leased } = this.#book.forget(scopes, this.#settlements.unwrittenKeys());
    // All of this supervisor's lease on each is spare now: return what the database says it holds,
    // and drop the row (writes are serial, so a later grant on the scope lands after it).
    for (const key of leased) this.#writes.send("returning budget", () => dropLease(this.#c.pool, this.#c.supervisorId, key));
    return dropped;
  }

  // Returns what no call in flight holds, so a lowered limit is not spent from slices lent under the old one.
  #giveBackSpare(key: string, s: Scope): void {
    const spare = this.#book.takeSpare(s);
    if (spare === 0) return;
    this.#writes.send("returning budget", () => returnLease(this.#c.pool, this.#c.supervisorId, key, spare));
  }

  // Renews leases; one the fleet reclaimed (this supervisor looked dead) is gone: reserve anew.
  async #heartbeat(): Promise<void> {
    try {
      const grants = this.#grants;
      const held = await renewLeases(this.#c.pool, this.#c.supervisorId, this.#ttlMs);
      // A grant that landed while renewing may be missing from `held`: judge again next beat.
      if (grants === this.#grants) for (const [key, s] of this.#book.entries()) if (s.limit !== null && s.lease > 0 && !held.has(key)) s.lease = 0;
      await reclaimExpiredLeases(this.#c.pool);
    } catch (error) {
      this.#c.onError(error, "renewing budget leases");
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#writes.send("settling calls", () => this.#settlements.write());
    });
  }

  /** Waits until every settle and limit so far is written. */
  async flush(): Promise<void> {
    await this.#writes.run(() => this.#settlements.write());
  }

  /** Writes what is pending and gives every unused slice back to the fleet. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush();
    for (const [key, s] of this.#book.entries()) {
      if (s.lease <= 0) continue;
      const amount = s.lease;
      s.lease = 0;
      await this.#writes.run(() => returnLease(this.#c.pool, this.#c.supervisorId, key, amount));
    }
  }
}
