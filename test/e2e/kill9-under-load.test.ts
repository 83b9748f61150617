// Protects the durability promises while events and settles are group-committed off the decision
// path: a supervisor with the state file, the stream and a budget, serving real Python agents that
// call from several threads at once, is SIGKILLed mid-load. Then: every call that went out to the
// provider is in the ledger exactly once (settled with its cost, or its committed hold charged in
// full at the next start — never both, never neither), the event log has no hole, each call's
// events are in order, and everything the stream delivered is in the store, in the same order.
import Database from "better-sqlite3";
import { execa } from "execa";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { readMark, unappliedHolds } from "../../src/store/sqlite/hold-journal.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { DEBIAN_PYTHON, FIXTURES, tempDir } from "../helpers/iron.js";
import { record } from "../helpers/stream.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

interface Killed {
  readonly events: { seq: number; type: string; data: string }[];
  readonly spent: number;
  readonly settledCost: number;
  readonly settled: number;
  readonly holds: number;
  readonly heldMicros: number;
  readonly settledAndHeld: number;
  readonly pools: number;
  readonly poolMicros: number;
  readonly smallestHold: number;
  readonly pids: number[];
}

// The grants' pool holds among the standing holds (`pool:<grant>#n`), their micros, and the smallest call hold.
function poolsOf(holds: readonly { callId: string; micros: number }[]): { pools: number; poolMicros: number; smallestHold: number } {
  const pools = holds.filter((h) => h.callId.startsWith("pool:"));
  const calls = holds.filter((h) => !h.callId.startsWith("pool:")).map((h) => h.micros);
  return { pools: pools.length, poolMicros: pools.reduce((sum, h) => sum + h.micros, 0), smallestHold: calls.length === 0 ? 1 : Math.min(...calls) };
}

/** What the killed supervisor's file holds, read before anyone recovers it: its holds are in the `holds` table, or still only in its hold journal. */
function inspect(path: string): Killed {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const one = <T>(sql: string): T => db.prepare(sql).get() as T;
    const mark = readMark(db);
    const lines = mark === null ? [] : unappliedHolds(path, mark);
    // A grant's pool hold a call was carved out of (SPEC 3.4a) is replaced by the lines naming it: never charged.
    const replaced = new Set(lines.flatMap((h) => (h.replaces === undefined ? [] : [h.replaces])));
    const journaled = lines.filter((h) => !replaced.has(h.callId));
    const inTable = <T extends { call_id: string }>(rows: T[]): T[] => rows.filter((r) => !replaced.has(r.call_id));
    const responded = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM calls WHERE call_id = ? AND responded_at IS NOT NULL");
    const found = {
      events: db.prepare<[], { seq: number; type: string; data: string }>("SELECT seq, type, data FROM events ORDER BY seq").all(),
      spent: one<{ s: number }>("SELECT spent_micros AS s FROM budgets WHERE scope = 'global'").s,
      settledCost: one<{ c: number }>("SELECT COALESCE(SUM(cost_micros), 0) AS c FROM calls WHERE responded_at IS NOT NULL").c,
      settled: one<{ n: number }>("SELECT COUNT(*) AS n FROM calls WHERE responded_at IS NOT NULL AND decision = 'allow'").n,
      holds: inTable(db.prepare<[], { call_id: string }>("SELECT call_id FROM holds").all()).length + journaled.length,
      heldMicros:
        inTable(db.prepare<[], { call_id: string; micros: number }>("SELECT call_id, micros FROM holds").all()).reduce((sum, h) => sum + h.micros, 0) + journaled.reduce((sum, h) => sum + h.micros, 0),
      ...poolsOf([...inTable(db.prepare<[], { call_id: string; micros: number }>("SELECT call_id, micros FROM holds").all()).map((r) => ({ callId: r.call_id, micros: r.micros })), ...journaled]),
      settledAndHeld:
        one<{ n: number }>("SELECT COUNT(*) AS n FROM holds JOIN calls USING (call_id) WHERE calls.responded_at IS NOT NULL").n + journaled.filter((h) => (responded.get(h.callId)?.n ?? 0) > 0).length,
      pids: db
        .prepare<[], { pid: number }>("SELECT pid FROM runs WHERE pid IS NOT NULL")
        .all()
        .map((r) => r.pid),
    };
    return found;
  } finally {
    db.close();
  }
}

describe("a supervisor SIGKILLed under load", () => {
  it("loses no granted call and counts none twice; the store and the stream keep every event in order", async () => {
    const state = join(tempDir("iron-kill9-"), "state.db");
    mock.clearRequests();
    const serve = execa("node", [join(FIXTURES, "serve_under_load.mjs"), state, mock.baseUrl, DEBIAN_PYTHON], { reject: false, env: { AGENTS: "3" } });
    const url = await new Promise<string>((resolve) => serve.stdout?.on("data", (d: Buffer) => /ready (\S+)/.test(String(d)) && resolve(String(/ready (\S+)/.exec(String(d))?.[1]))));
    const stream = await record(url);
    // Under load: twelve threads in three agents calling back to back, well past the first batches.
    await expect.poll(() => mock.requests.length, { timeout: 60_000, interval: 50 }).toBeGreaterThan(300);
    serve.kill("SIGKILL");
    expect((await serve).signal).toBe("SIGKILL");
    await stream.closed;
    const wentOut = mock.requests.length;
    const killed = inspect(state);
    for (const pid of killed.pids) {
      try {
        process.kill(-pid, "SIGKILL"); // the agents' process groups, which outlived their supervisor
      } catch {
        // already gone
      }
    }

    // The event log: no hole, and each call's events in the order they happened.
    expect(killed.events.map((e) => e.seq)).toEqual(killed.events.map((_, i) => i + 1));
    const order = new Map<string, string[]>();
    for (const e of killed.events) {
      const { callId, phase } = JSON.parse(e.data) as { callId?: string; phase?: string };
      if (callId !== undefined) order.set(callId, [...(order.get(callId) ?? []), phase === undefined ? e.type : `${e.type}:${phase}`]);
    }
    for (const steps of order.values()) {
      const full = ["llm.request", "llm.decision:request", "llm.decision:response", "llm.response"];
      expect(full.slice(0, steps.length)).toEqual(steps.filter((s) => full.includes(s)));
    }
    // The stream: only committed events, gapless, in seq order, identical to what the store holds.
    const streamed = stream.messages.filter((m) => m.type !== "snapshot");
    expect(streamed.length).toBeGreaterThan(0);
    const stored = new Map(killed.events.map((e) => [e.seq, JSON.parse(e.data) as unknown]));
    expect(streamed.map((m) => m.seq)).toEqual(streamed.map((_, i) => (streamed[0]?.seq ?? 0) + i));
    for (const m of streamed) expect(stored.get(m.seq)).toEqual(m);

    // The ledger: every call that went out holds money — settled (its cost spent) or still held — and none both.
    expect(killed.settledAndHeld).toBe(0);
    // A call a shim admitted under a grant (SPEC 3.4a) that the supervisor had not read yet holds money in its
    // grant's pool (its bound was taken from it): each pool covers at most its micros over the smallest call hold of them.
    const covered = killed.poolMicros === 0 ? 0 : Math.floor(killed.poolMicros / Math.max(1, killed.smallestHold));
    expect(killed.settled + killed.holds - killed.pools + covered).toBeGreaterThanOrEqual(wentOut);
    expect(killed.spent).toBe(killed.settledCost);
    // The next start charges each standing hold once, in full: nothing lost, nothing twice.
    const next = SqliteStore.open(state);
    expect(next.recovery).toMatchObject({ lostSupervisors: 1, chargedHolds: killed.holds, chargedMicros: killed.heldMicros });
    expect(next.budgets.spent("global")).toBe(killed.spent + killed.heldMicros);
    next.close();
    const after = inspect(state);
    expect(after.spent).toBe(killed.spent + killed.heldMicros);
    expect(after.holds).toBe(0);
    expect(after.events.slice(0, killed.events.length)).toEqual(killed.events);
  }, 120_000);
});
