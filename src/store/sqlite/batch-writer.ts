// One group commit as the commit worker (commit-worker.ts) writes it: the main thread hands over
// a compact batch — the events' JSON texts in one string, the ledger's holds and settles as plain
// tuples — and this writes it in one transaction on the worker's own connection: the budget
// ledger's net changes and the hold journal's mark, the events, then their projections.
import type { IronEvent } from "../../events/types.js";
import type { Db } from "./database.js";
import { WRITE_MARK } from "./hold-journal.js";
import { Projector } from "./projections.js";

/** A hold journaled since the last batch: call, stored scope names, micro-dollars, when it was taken. */
export type HeldTuple = readonly [callId: string, keys: readonly string[], micros: number, heldAt: number];

/** A settle or release since the last batch: call, its hold's scopes and micro-dollars, the charge (0: released). */
export type ClosedTuple = readonly [callId: string, keys: readonly string[], holdMicros: number, charge: number];

/** The budget ledger's share of a batch (see SqliteBudgetLedger.takeChanges). */
export interface LedgerChanges {
  /** Scopes that have no row in the file yet, and when they were first held. */
  readonly ensure: readonly (readonly [key: string, at: number])[];
  readonly holds: readonly HeldTuple[];
  readonly closing: readonly ClosedTuple[];
  /** The hold journal's mark (meta `hold_journal`) once these holds are in the file; null when no hold came. */
  readonly mark: string | null;
  readonly now: number;
}

/** What the main thread posts to the worker: cheap to clone (one string, a few small arrays). */
export interface CommitBatch {
  readonly id: number;
  /** The events' JSON texts (eventText), joined with "\n" (JSON text never holds a raw newline); "" when none. */
  readonly events: string;
  readonly ledger: LedgerChanges | null;
}

/** A scope's net change in one batch: holds added, then settles and releases (how many, the holds they release, what they charge). */
interface NetChange {
  held: number;
  heldAt: number;
  closed: number;
  released: number;
  charged: number;
}

function netOf(net: Map<string, NetChange>, key: string): NetChange {
  let change = net.get(key);
  if (change === undefined) {
    change = { held: 0, heldAt: 0, closed: 0, released: 0, charged: 0 };
    net.set(key, change);
  }
  return change;
}

/** Writes batches on one connection with statements prepared once. */
export class BatchWriter {
  readonly #write: (batch: CommitBatch) => void;

  constructor(db: Db, supervisorId: number) {
    const insert = db.prepare("INSERT INTO events (seq, ts, type, agent_id, supervisor_id, data) VALUES (?, ?, ?, ?, ?, ?)");
    const projector = new Projector(db);
    const ensure = db.prepare("INSERT INTO budgets (scope, updated_at) VALUES (?, ?) ON CONFLICT (scope) DO NOTHING");
    const addReserved = db.prepare("UPDATE budgets SET reserved_micros = reserved_micros + ?, updated_at = ? WHERE scope = ?");
    const insertHold = db.prepare("INSERT OR REPLACE INTO holds (call_id, supervisor_id, scopes, micros, created_at) VALUES (?, ?, ?, ?, ?)");
    const deleteHold = db.prepare("DELETE FROM holds WHERE call_id = ?");
    const netScope = db.prepare("UPDATE budgets SET reserved_micros = MAX(0, reserved_micros + ? - ?), spent_micros = spent_micros + ?, updated_at = ? WHERE scope = ?");
    const writeMark = db.prepare(WRITE_MARK);

    /**
     * Holds, then settles and releases, each scope written once with its net change (what a hold
     * per statement and then a settle per statement would leave, MAX(0, …) included); a hold
     * settled or released in the same batch never reaches the holds table.
     */
    const writeLedger = (changes: LedgerChanges): void => {
      for (const [key, at] of changes.ensure) ensure.run(key, at);
      const net = new Map<string, NetChange>();
      const closed = new Set<string>();
      for (const [callId] of changes.closing) closed.add(callId);
      const inserted = new Set<string>();
      for (const [callId, keys, micros, heldAt] of changes.holds) {
        for (const key of keys) {
          const change = netOf(net, key);
          change.held += micros;
          change.heldAt = heldAt;
        }
        if (closed.has(callId)) inserted.add(callId);
        else insertHold.run(callId, supervisorId, JSON.stringify(keys), micros, heldAt);
      }
      if (changes.mark !== null) writeMark.run(changes.mark);
      for (const [callId, keys, holdMicros, charge] of changes.closing) {
        for (const key of keys) {
          const change = netOf(net, key);
          change.closed += 1;
          change.released += holdMicros;
          change.charged += charge;
        }
        if (!inserted.has(callId)) deleteHold.run(callId);
      }
      for (const [key, c] of net) {
        if (c.closed === 0) addReserved.run(c.held, c.heldAt, key);
        else netScope.run(c.held, c.released, c.charged, changes.now, key);
      }
    };

    this.#write = db.transaction((batch: CommitBatch) => {
      if (batch.ledger !== null) writeLedger(batch.ledger);
      if (batch.events === "") return;
      const texts = batch.events.split("\n");
      const events: IronEvent[] = new Array(texts.length);
      for (let i = 0; i < texts.length; i += 1) {
        const text = texts[i] as string;
        const event = JSON.parse(text) as IronEvent;
        events[i] = event;
        const agentId = "agentId" in event && typeof event.agentId === "string" ? event.agentId : null;
        insert.run(event.seq, event.ts, event.type, agentId, supervisorId, text);
      }
      projector.applyBatch(events, supervisorId);
    });
  }

  /** Writes one batch in one transaction; throws (nothing written) when it cannot. */
  write(batch: CommitBatch): void {
    this.#write(batch);
  }
}
