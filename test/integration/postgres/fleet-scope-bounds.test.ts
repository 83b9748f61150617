// Protects the bound on a fleet's budget scopes in memory (issue 16, item 9) on a real PostgreSQL
// server: with a budget per user and per day, the lease ledger drops idle scopes beyond
// budgets.max_live_scopes and days that are over, gives their unused slices back to the database
// first (leased_micros returns to 0), and reads limit and spend back when a scope is used again — so
// a user who spent their budget, was dropped, and comes back is still denied, and the global spend
// equals the sum of the users' spend.
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTokenizers } from "../../../src/policy/tokens.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { scopeRig } from "../../helpers/budget-scope-rig.js";
import { testDatabase } from "../../helpers/postgres.js";

beforeAll(() => loadTokenizers());

const DAY = 86_400_000;
const CAP = 40;

interface Row {
  readonly scope: string;
  readonly limit_micros: number | null;
  readonly spent_micros: number;
  readonly leased_micros: number;
}

/** The scopes this fleet's supervisors keep a `leases` row for (each row is renewed by every heartbeat). */
async function leaseScopes(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ scope: string }>("SELECT scope FROM leases ORDER BY scope");
    return rows.map((row) => row.scope);
  } finally {
    await client.end();
  }
}

async function budgetRows(url: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Row>("SELECT scope, limit_micros::int, spent_micros::int, leased_micros::int FROM budgets ORDER BY scope");
    return rows;
  } finally {
    await client.end();
  }
}

describe("a fleet's budget scopes in memory", () => {
  it("stay bounded over many users and days, their slices given back, every user's spend still enforced", async () => {
    const url = await testDatabase();
    // Short leases: heartbeats (which renew leases while grants land) run often during the test.
    const store = await PostgresStore.open(url, { retention: false, leases: { ttlMs: 600 } });
    try {
      const r = scopeRig(store.budgets, CAP);
      // u0 spends its lifetime budget ($0.00003; a few calls fit), the rest of its calls are denied.
      const first: string[] = [];
      for (let i = 0; i < 6; i++) first.push(await r.call("u0"));
      expect(first.filter((a) => a === "deny").length).toBeGreaterThan(0);
      await store.drain();
      const u0Spent = store.budgets.spent("user:u0");
      expect(u0Spent).toBeGreaterThan(0);
      let peak = 0;
      for (let day = 0; day < 4; day++) {
        for (let u = 1; u <= 60; u++) await r.call(`u${day}-${u}`);
        await r.settle();
        peak = Math.max(peak, store.budgets.balances().length, r.projection.snapshot().budgets.length);
        r.advance(DAY);
      }
      await r.settle();
      await store.drain();
      expect(peak).toBeLessThanOrEqual(CAP + 10);
      expect(store.budgets.balances().length).toBeLessThanOrEqual(CAP + 10);
      expect(r.retired.some((e) => e.type === "budget.retired" && e.reason === "period over")).toBe(true);
      expect(r.retired.some((e) => e.type === "budget.retired" && e.reason === "idle")).toBe(true);
      // Every dropped scope's slice is back in the database, for the other supervisors.
      const live = new Set(store.budgets.balances().map((b) => b.scope));
      const rows = await budgetRows(url);
      const dropped = rows.filter((row) => !live.has(row.scope));
      expect(dropped.length).toBeGreaterThan(200);
      expect(dropped.filter((row) => row.leased_micros !== 0)).toEqual([]);
      // …and its lease row is gone: the heartbeat renews only the scopes in memory, so the leases
      // table stays as small as they are instead of growing with every scope ever used.
      expect((await leaseScopes(url)).filter((scope) => !live.has(scope))).toEqual([]);
      // u0 was dropped long ago: limit and spend are read back, so it is still out of budget.
      expect(live.has("user:u0")).toBe(false);
      expect(await r.call("u0")).toBe("deny");
      expect(store.budgets.spent("user:u0")).toBe(u0Spent);
      await r.settle();
      await store.drain();
      const after = await budgetRows(url);
      const global = after.find((row) => row.scope === "global")?.spent_micros;
      const users = after.filter((row) => row.scope.startsWith("user:") && !row.scope.includes("@day:")).reduce((sum, row) => sum + row.spent_micros, 0);
      expect(users).toBeGreaterThan(0);
      expect(global).toBe(users);
      expect(after.find((row) => row.scope === "user:u0")?.spent_micros).toBe(u0Spent);
    } finally {
      await store.close();
    }
    expect((await budgetRows(url)).filter((row) => row.leased_micros !== 0)).toEqual([]);
  }, 120_000);

  it("keeps a scope while a call holds part of it or its settlement is unwritten, and gives its slice back when dropped", async () => {
    const url = await testDatabase();
    const a = await PostgresStore.open(url, { retention: false });
    const b = await PostgresStore.open(url, { retention: false });
    try {
      a.budgets.setLimit("team:x", 1000);
      expect(await a.budgets.acquire("c1", ["team:x"], 100)).toEqual({ ok: true });
      expect(a.budgets.forget(["team:x"])).toEqual([]);
      a.budgets.settle("c1", 80);
      // Settled in memory, not yet written: dropping now would read a spend without it back.
      expect(a.budgets.forget(["team:x"])).toEqual([]);
      await a.budgets.flush();
      expect(a.budgets.leaseOf("team:x")).toBeGreaterThan(0);
      expect(a.budgets.forget(["team:x"])).toEqual(["team:x"]);
      await a.budgets.flush();
      expect(a.budgets.balances().map((s) => s.scope)).not.toContain("team:x");
      const row = (await budgetRows(url)).find((r) => r.scope === "team:x");
      expect(row).toMatchObject({ limit_micros: 1000, spent_micros: 80, leased_micros: 0 });
      expect(await leaseScopes(url)).not.toContain("team:x");
      // The whole remainder is the fleet's again: another supervisor can borrow all of it.
      b.budgets.setLimit("team:x", 1000);
      expect(await b.budgets.acquire("c2", ["team:x"], 920)).toEqual({ ok: true });
      b.budgets.release("c2");
      // A limit only learned from the fleet (not set here) survives the drop.
      const c = await PostgresStore.open(url, { retention: false });
      try {
        expect(c.budgets.limit("team:x")).toBe(1000);
        expect(c.budgets.forget(["team:x"])).toEqual(["team:x"]);
        expect(c.budgets.limit("team:x")).toBe(1000);
        expect((await c.budgets.acquire("c3", ["team:x"], 921)).ok).toBe(false);
        expect(c.budgets.spent("team:x")).toBe(80);
      } finally {
        await c.close();
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
