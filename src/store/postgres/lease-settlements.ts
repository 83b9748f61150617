// The settles of a fleet's lease ledger waiting to be written: batched off the decision path,
// charged once per call id, kept for the next attempt when a write fails. Which scopes still have
// a settle unwritten tells the ledger which scopes it may not drop from memory yet.
import type pg from "pg";
import { writeSettlements, type Settlement } from "./lease-sql.js";

/** Settles not yet written to the database, and the batch being written. */
export class SettlementQueue {
  readonly #pool: pg.Pool;
  readonly #supervisorId: number;
  #pending: Settlement[] = [];
  /** Being written now (back in #pending if the write fails). */
  #writing: readonly Settlement[] = [];

  constructor(pool: pg.Pool, supervisorId: number) {
    this.#pool = pool;
    this.#supervisorId = supervisorId;
  }

  add(settlement: Settlement): void {
    this.#pending.push(settlement);
  }

  /** Scopes with a settle not yet in the database (their spend there is short of it). */
  unwrittenKeys(): Set<string> {
    const keys = new Set<string>();
    for (const batch of [this.#pending, this.#writing]) for (const settlement of batch) for (const key of settlement.keys) keys.add(key);
    return keys;
  }

  /** Writes what is pending in one transaction. */
  async write(): Promise<void> {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    this.#writing = batch;
    try {
      await writeSettlements(this.#pool, this.#supervisorId, batch);
    } catch (error) {
      // Kept for the next attempt: settling is idempotent by call id.
      this.#pending = [...batch, ...this.#pending];
      throw error;
    } finally {
      this.#writing = [];
    }
  }
}
