// A batch is written with fewer statements than one event (or one hold) at a time would take —
// a call's last_seq set once, a request and its decision in one INSERT, one UPDATE per budget
// scope, a hold settled in its own batch never in the holds table — and must leave the same rows.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventInput, IronEvent } from "../../src/events/types.js";
import { openDatabase } from "../../src/store/sqlite/database.js";
import { migrate } from "../../src/store/sqlite/migrations.js";
import { Projector } from "../../src/store/sqlite/projections.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { callEvents, deniedCallEvents, stateEvent } from "../helpers/events.js";
import { tempDir } from "../helpers/iron.js";

/** Events with seq and ts, as the bus numbers them. */
function numbered(inputs: readonly EventInput[]): IronEvent[] {
  return inputs.map((input, i) => ({ ...input, seq: i + 1, ts: 1_700_000_000_000 + i }) as IronEvent);
}

/** The projection tables after `write` ran in one transaction on a fresh state file. */
function tablesAfter(write: (projector: Projector) => void): unknown {
  const db = openDatabase(join(tempDir(), "state.db"));
  try {
    migrate(db);
    const projector = new Projector(db);
    db.transaction(() => write(projector))();
    return {
      calls: db.prepare("SELECT * FROM calls ORDER BY call_id").all(),
      agents: db.prepare("SELECT * FROM agents ORDER BY agent_id").all(),
      runs: db.prepare("SELECT * FROM runs ORDER BY agent_id, run").all(),
    };
  } finally {
    db.close();
  }
}

describe("Projector.applyBatch", () => {
  it("leaves the rows that applying the events one at a time leaves", () => {
    const [req1, dec1, res1] = callEvents("a", "c1", 25);
    const [req2, dec2, res2] = callEvents("b", "c2", 7, "gpt-4o");
    const [req3, dec3] = deniedCallEvents("a", "c3");
    const responseAllow: EventInput = {
      type: "llm.decision",
      attrs: {},
      agentId: "a",
      callId: "c1",
      phase: "response",
      action: "allow",
      policy: null,
      code: null,
      reason: null,
      status: null,
      micros: 25,
      ms: 0.1,
    };
    const responseDeny: EventInput = {
      type: "llm.decision",
      attrs: {},
      agentId: "b",
      callId: "c2",
      phase: "response",
      action: "deny",
      policy: "pii",
      code: "IRON_ERR_PII",
      reason: "an e-mail",
      status: 451,
      micros: 7,
      ms: 0.1,
    };
    const redacting: EventInput = {
      ...(dec2 as EventInput<"llm.decision">),
      action: "modify",
      findings: [{ detector: "email", direction: "input", action: "redact", placeholder: "[redacted:email]", sha256: "0".repeat(64) }],
    };
    const policyError: EventInput = { type: "policy.error", agentId: "a", callId: "c4", policy: "custom", error: "boom", timedOut: false, ignored: false };
    const [req4, dec4] = callEvents("a", "c4");
    const events = numbered([
      stateEvent("a", "starting", "running"),
      req1 as EventInput,
      req2 as EventInput,
      dec1 as EventInput, // a decision after another call's request: still folded into its request
      redacting, // c2's request decision, with a redaction
      req3 as EventInput,
      dec3 as EventInput, // a deny right behind its request
      req4 as EventInput,
      policyError, // an event of c4 between its request and decision: no fold
      dec4 as EventInput,
      responseAllow,
      res1 as EventInput,
      responseDeny,
      res2 as EventInput,
      req1 as EventInput, // a request for a call known already (the INSERT ignored)
      responseAllow, // c1's last event in the batch: the touch that sets last_seq
    ]);
    const oneAtATime = tablesAfter((p) => {
      for (const event of events) p.apply(event, 1);
    });
    const batched = tablesAfter((p) => p.applyBatch(events, 1));
    expect(batched).toEqual(oneAtATime);
    // The test sees what it means to: c1's last event set its last_seq, c2 kept its redaction and deny.
    const calls = (oneAtATime as { calls: { call_id: string; last_seq: number; redacted_values: number; status: number }[] }).calls;
    expect(calls.find((c) => c.call_id === "c1")?.last_seq).toBe(16);
    expect(calls.find((c) => c.call_id === "c2")).toMatchObject({ redacted_values: 1, status: 451 });
    expect(calls.find((c) => c.call_id === "c3")?.status).toBe(402);
  });

  it("folds a request and its decision split over two batches as two statements, with the same rows", () => {
    const events = numbered(callEvents("a", "c1"));
    const split = tablesAfter((p) => {
      p.applyBatch(events.slice(0, 1), 1);
      p.applyBatch(events.slice(1), 1);
    });
    const whole = tablesAfter((p) => p.applyBatch(events, 1));
    expect(split).toEqual(whole);
  });
});

describe("SqliteBudgetLedger batch writes", () => {
  it("writes holds and settles of one batch as each scope's net change, and no hold row for a call settled in it", async () => {
    const path = join(tempDir(), "state.db");
    const store = SqliteStore.open(path);
    const ledger = store.budgets;
    ledger.setLimit("global", 1000);
    expect(ledger.reserve("c1", ["global", "agent:a"], 100)).toEqual({ ok: true });
    expect(ledger.reserve("c2", ["global"], 50)).toEqual({ ok: true });
    expect(ledger.reserve("c3", ["global"], 30)).toEqual({ ok: true });
    ledger.settle("c1", 40);
    ledger.release("c2");
    store.sink.flush();
    // c3 is still held (its row is there); c1 and c2 were settled in the batch that held them.
    const db = new Database(path, { readonly: true });
    const read = (): unknown => ({
      holds: db.prepare("SELECT call_id, micros FROM holds ORDER BY call_id").all(),
      budgets: db.prepare("SELECT scope, spent_micros, reserved_micros FROM budgets ORDER BY scope").all(),
    });
    expect(read()).toEqual({
      holds: [{ call_id: "c3", micros: 30 }],
      budgets: [
        { scope: "agent:a", spent_micros: 40, reserved_micros: 0 },
        { scope: "global", spent_micros: 40, reserved_micros: 30 },
      ],
    });
    // A hold from an earlier batch settled now: its row goes, its scope's reserve is given back.
    ledger.settle("c3", 30);
    store.sink.flush();
    expect(read()).toEqual({
      holds: [],
      budgets: [
        { scope: "agent:a", spent_micros: 40, reserved_micros: 0 },
        { scope: "global", spent_micros: 70, reserved_micros: 0 },
      ],
    });
    db.close();
    await store.close();
  });
});
