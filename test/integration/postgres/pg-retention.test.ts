// Protects retention of the fleet database (issue 16, item 9) on a real PostgreSQL server: the
// `retention:` setting prunes old events and settled calls (by age and by count) in batches; calls
// still unsettled — no response yet, or a charge whose settlement is not written — are kept, and
// budgets are never touched; old fleet rate-limit windows go too. Several supervisors may share the
// database: only the one holding the prune lock prunes (another finds it taken and skips).
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { PRUNE_LOCK } from "../../../src/store/postgres/pg-retention.js";
import { testDatabase } from "../../helpers/postgres.js";

const HOUR = 3_600_000;
const NOW = Date.now();
const opened: PostgresStore[] = [];
const clients: pg.Client[] = [];

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const c of clients.splice(0)) await c.end();
});

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}

/** A fleet database with `events` events one hour apart (the last now; the store's clock is a little later, so ages are > whole hours) and calls of every kind, 100 hours old but one. */
async function seeded(events: number): Promise<{ url: string; db: pg.Client }> {
  const url = await testDatabase();
  await (await PostgresStore.open(url, { retention: false })).close();
  const db = await client(url);
  await db.query(
    "INSERT INTO events (supervisor_id, seq, ts, type, agent_id, data) SELECT 1, i, $1::bigint - ($2::bigint - i) * $3::bigint, 'agent.output', 'a', '{}' FROM generate_series(1, $2::bigint) AS i",
    [NOW, events, HOUR],
  );
  const call = (id: string, at: number, decision: string | null, complete: boolean | null, cost: number): Promise<unknown> =>
    db.query(
      "INSERT INTO calls (call_id, supervisor_id, agent_id, provider, endpoint, library, stream, attrs, requested_at, decision, complete, cost_micros) VALUES ($1, 1, 'a', 'openai', 'chat.completions', 'httpx', false, '{}', $2, $3, $4, $5)",
      [id, at, decision, complete, cost],
    );
  await call("old-settled", NOW - 100 * HOUR, "allow", true, 700);
  await call("old-denied", NOW - 100 * HOUR, "deny", null, 0);
  await call("old-free", NOW - 100 * HOUR, "allow", true, 0);
  await call("old-unanswered", NOW - 100 * HOUR, "allow", null, 0);
  await call("old-charge-unwritten", NOW - 100 * HOUR, "allow", true, 900);
  await call("new-settled", NOW - HOUR, "allow", true, 5);
  await db.query("INSERT INTO settled (call_id, supervisor_id, micros, settled_at) VALUES ('old-settled', 1, 700, $1), ('new-settled', 1, 5, $1)", [NOW - HOUR]);
  await db.query("INSERT INTO budgets (scope, limit_micros, spent_micros, updated_at) VALUES ('global', 5000, 705, 1)");
  const minute = Math.floor(NOW / 60_000);
  await db.query("INSERT INTO rate_windows (key, win, allowance, used) VALUES ('rpm', $1, 10, 1), ('rpm', $2, 10, 1)", [minute - 600, minute]);
  return { url, db };
}

async function rows(db: pg.Client): Promise<{ events: number; oldest: number; calls: string[]; spent: number; windows: number }> {
  const e = (await db.query<{ n: number; oldest: number }>("SELECT count(*)::int AS n, min(seq)::int AS oldest FROM events")).rows[0] as { n: number; oldest: number };
  const calls = (await db.query<{ call_id: string }>("SELECT call_id FROM calls ORDER BY call_id")).rows.map((r) => r.call_id);
  const spent = Number((await db.query<{ s: string }>("SELECT spent_micros AS s FROM budgets WHERE scope = 'global'")).rows[0]?.s);
  const windows = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM rate_windows")).rows[0]?.n ?? -1;
  return { events: e.n, oldest: e.oldest, calls, spent, windows };
}

const KEPT_CALLS = ["new-settled", "old-charge-unwritten", "old-unanswered"];

describe("retention of the fleet database", () => {
  it("prunes events and settled calls older than the maximum age, in batches, keeping unsettled calls and budgets", async () => {
    const { url, db } = await seeded(12_000);
    const store = await PostgresStore.open(url, { retention: { maxAgeMs: 24 * HOUR, maxEvents: null, maxCalls: null }, pruneBatch: 1000, pruneEveryMs: 0 });
    opened.push(store);
    const pruned = await store.pruneNow();
    expect(pruned).toMatchObject({ events: 12_000 - 24, calls: 3, skipped: false });
    expect(pruned.batches).toBeGreaterThan(10);
    const after = await rows(db);
    expect(after).toEqual({ events: 24, oldest: 12_000 - 23, calls: KEPT_CALLS, spent: 705, windows: 1 });
  });

  it("keeps at most the newest maxEvents events and maxCalls settled calls", async () => {
    const { url, db } = await seeded(100);
    const store = await PostgresStore.open(url, { retention: { maxAgeMs: null, maxEvents: 10, maxCalls: 4 }, pruneEveryMs: 0 });
    opened.push(store);
    expect(await store.pruneNow()).toMatchObject({ events: 90, calls: 2 });
    const after = await rows(db);
    expect([after.events, after.oldest, after.spent]).toEqual([10, 91, 705]);
    expect(after.calls).toHaveLength(4);
    expect(after.calls).toEqual(expect.arrayContaining(KEPT_CALLS));
  });

  it("prunes in one supervisor at a time: while another holds the prune lock, nothing is deleted", async () => {
    const { url, db } = await seeded(48);
    const a = await PostgresStore.open(url, { retention: { maxAgeMs: 24 * HOUR, maxEvents: null, maxCalls: null }, pruneEveryMs: 0 });
    const b = await PostgresStore.open(url, { retention: { maxAgeMs: 24 * HOUR, maxEvents: null, maxCalls: null }, pruneEveryMs: 0 });
    opened.push(a, b);
    await Promise.all([a.pruneNow(), b.pruneNow()]);
    await db.query("INSERT INTO events (supervisor_id, seq, ts, type, agent_id, data) VALUES (1, 1, 1, 'agent.output', 'a', '{}')");
    const holder = await client(url);
    await holder.query("SELECT pg_advisory_lock($1)", [PRUNE_LOCK]);
    expect(await a.pruneNow()).toEqual({ events: 0, calls: 0, batches: 0, skipped: true });
    expect((await rows(db)).events).toBe(25);
    await holder.query("SELECT pg_advisory_unlock($1)", [PRUNE_LOCK]);
    expect(await b.pruneNow()).toMatchObject({ events: 1, skipped: false });
    expect(await rows(db)).toMatchObject({ events: 24, calls: KEPT_CALLS, spent: 705 });
  });

  it("prunes on open by itself, with the default retention (30 days) when none is given", async () => {
    const { url, db } = await seeded(24 * 40);
    opened.push(await PostgresStore.open(url));
    await expect.poll(async () => (await rows(db)).events, { timeout: 30_000 }).toBe(24 * 30);
    expect(await rows(db)).toMatchObject({ calls: ["new-settled", "old-charge-unwritten", "old-denied", "old-free", "old-settled", "old-unanswered"], spent: 705 });
  });

  it("prunes nothing with retention: false", async () => {
    const { url, db } = await seeded(48);
    const store = await PostgresStore.open(url, { retention: false });
    opened.push(store);
    expect(await store.pruneNow()).toEqual({ events: 0, calls: 0, batches: 0, skipped: true });
    expect((await rows(db)).events).toBe(48);
  });
});
