// Protects retention of the SQLite state file (issue 16, item 9): events and settled calls older
// than the maximum age, and events or calls beyond the maximum count, are deleted on open and then
// in the background; the newest event is always kept (a restart continues its seq); calls still
// holding a budget and unsettled calls are kept; budgets are never touched.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prune } from "../../src/store/sqlite/retention.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempDir } from "../helpers/iron.js";

const HOUR = 3_600_000;
const NOW = 1_800_000_000_000;

/** A state file with `events` events one hour apart (the last at NOW) and calls of every kind. */
function seeded(events: number): string {
  const path = join(tempDir("iron-retention-"), "state.db");
  SqliteStore.open(path, { retention: false, clock: () => NOW }).close();
  const db = new Database(path);
  const insert = db.prepare("INSERT INTO events (seq, ts, type, agent_id, supervisor_id, data) VALUES (?, ?, 'agent.output', 'a', 1, '{}')");
  db.transaction(() => {
    for (let i = 1; i <= events; i += 1) insert.run(1000 + i, NOW - (events - i) * HOUR);
  })();
  const call = db.prepare(
    "INSERT INTO calls (call_id, supervisor_id, agent_id, provider, endpoint, library, stream, attrs, requested_at, responded_at) VALUES (?, 1, 'a', 'openai', 'chat.completions', 'httpx', 0, '{}', ?, ?)",
  );
  call.run("old-settled", NOW - 100 * HOUR, NOW - 100 * HOUR);
  call.run("old-unsettled", NOW - 100 * HOUR, null);
  call.run("old-holding", NOW - 100 * HOUR, NOW - 100 * HOUR);
  call.run("new-settled", NOW - HOUR, NOW - HOUR);
  db.prepare(`INSERT INTO holds (call_id, supervisor_id, scopes, micros, created_at) VALUES ('old-holding', 1, '["global"]', 5, 5)`).run();
  db.prepare("INSERT INTO budgets (scope, limit_micros, spent_micros, updated_at) VALUES ('global', 500, 123, 5)").run();
  db.close();
  return path;
}

function rows(path: string): { seqs: number[]; calls: string[]; spent: number } {
  const db = new Database(path, { readonly: true });
  const seqs = db
    .prepare<[], { seq: number }>("SELECT seq FROM events ORDER BY seq")
    .all()
    .map((r) => r.seq);
  const calls = db
    .prepare<[], { call_id: string }>("SELECT call_id FROM calls ORDER BY call_id")
    .all()
    .map((r) => r.call_id);
  const spent = (db.prepare("SELECT spent_micros FROM budgets WHERE scope = 'global'").get() as { spent_micros: number }).spent_micros;
  db.close();
  return { seqs, calls, spent };
}

describe("retention of the state file", () => {
  it("deletes events and settled calls older than the maximum age on open, and keeps the rest", async () => {
    const path = seeded(48);
    const store = SqliteStore.open(path, { clock: () => NOW, retention: { maxAgeMs: 24 * HOUR, maxEvents: null, maxCalls: null } });
    await expect.poll(() => rows(path).seqs.length).toBe(25);
    store.close();
    const after = rows(path);
    expect(after.seqs[0]).toBe(1000 + 24);
    expect(after.calls).toEqual(["new-settled", "old-holding", "old-unsettled"]);
    expect(after.spent).toBe(123);
  });

  it("keeps at most the newest maxEvents events and maxCalls settled calls", () => {
    const path = seeded(100);
    const db = new Database(path);
    expect(prune(db, { maxAgeMs: null, maxEvents: 10, maxCalls: 3 }, NOW)).toEqual({ events: 90, calls: 1 });
    db.close();
    const after = rows(path);
    expect(after.seqs).toEqual(Array.from({ length: 10 }, (_, i) => 1091 + i));
    expect(after.calls).toEqual(["new-settled", "old-holding", "old-unsettled"]);
  });

  it("always keeps the newest event, so a restart continues the seq", () => {
    const path = seeded(5);
    const db = new Database(path);
    prune(db, { maxAgeMs: 1, maxEvents: null, maxCalls: null }, NOW + 10 * HOUR);
    db.close();
    expect(rows(path).seqs).toEqual([1005]);
    const store = SqliteStore.open(path, { retention: false });
    expect(store.sink.lastSeq).toBe(1005);
    store.close();
  });

  it("deletes in batches: a large backlog is pruned over several passes", () => {
    const path = seeded(12_000);
    const db = new Database(path);
    expect(prune(db, { maxAgeMs: null, maxEvents: 1, maxCalls: null }, NOW, 1)).toEqual({ events: 5000, calls: 0 });
    expect(prune(db, { maxAgeMs: null, maxEvents: 1, maxCalls: null }, NOW)).toEqual({ events: 6999, calls: 0 });
    db.close();
  });

  it("keeps everything with retention off", async () => {
    const path = seeded(48);
    const store = SqliteStore.open(path, { clock: () => NOW + 1000 * HOUR, retention: false });
    await new Promise((resolve) => setImmediate(resolve));
    store.close();
    expect(rows(path).seqs.length).toBe(48);
  });
});
