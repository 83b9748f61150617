// Protects the bound on budget scopes in memory and in snapshots (issue 16, item 9): with a budget
// per user and per day, 10 000 distinct users (a value the agent chooses) and many past days used to
// leave one ledger entry, one published balance and one snapshot row each, forever. Now, over a real
// SQLite state file: periods that are over are retired once nothing is held in them, and beyond
// budgets.max_live_scopes the least recently used idle scopes are retired (`budget.retired`); their
// spend stays in the file and is read back when the scope is used again — so a user who spent their
// budget, was retired, and comes back is still denied, and the global spend is exact.
import Database from "better-sqlite3";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTokenizers } from "../../src/policy/tokens.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { scopeRig } from "../helpers/budget-scope-rig.js";
import { tempDir } from "../helpers/iron.js";

beforeAll(() => loadTokenizers());

const DAY = 86_400_000;
const CAP = 200;

describe("budget scopes in memory and snapshots", () => {
  it("stay bounded over 10 000 users and 30 past days, with every user's spend still enforced", async () => {
    const path = join(tempDir("iron-scopes-"), "state.db");
    const store = SqliteStore.open(path, { retention: false });
    const r = scopeRig(store.budgets, CAP, store);
    // u0 spends its lifetime budget ($0.00003; a few calls fit), the rest of its calls are denied.
    const first: string[] = [];
    for (let i = 0; i < 6; i++) first.push(await r.call("u0"));
    expect(first.filter((a) => a === "deny").length).toBeGreaterThan(0);
    const u0Spent = store.budgets.spent("user:u0");
    expect(u0Spent).toBeGreaterThan(0);
    let peak = 0;
    for (let day = 0; day < 30; day++) {
      for (let u = 1; u <= 10_000 / 30 + 1; u++) await r.call(`u${day}-${u}`);
      await r.settle();
      peak = Math.max(peak, store.budgets.balances().length, r.projection.snapshot().budgets.length);
      r.advance(DAY);
    }
    await r.settle();
    expect(peak).toBeLessThanOrEqual(CAP + 10);
    expect(store.budgets.balances().length).toBeLessThanOrEqual(CAP + 10);
    expect(r.projection.snapshot().budgets.length).toBeLessThanOrEqual(CAP + 10);
    expect(JSON.stringify(r.projection.snapshot()).length).toBeLessThan(100_000);
    expect(r.retired.some((e) => e.type === "budget.retired" && e.reason === "period over")).toBe(true);
    expect(r.retired.some((e) => e.type === "budget.retired" && e.reason === "idle")).toBe(true);
    // u0 was retired long ago: its spend is read back from the file, so it is still out of budget.
    expect(store.budgets.balances().some((b) => b.scope === "user:u0")).toBe(false);
    expect(await r.call("u0")).toBe("deny");
    expect(store.budgets.spent("user:u0")).toBe(u0Spent);
    await r.settle();
    store.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT count(*) AS n, sum(CASE WHEN scope LIKE 'user:%' AND scope NOT LIKE '%@day:%' THEN spent_micros ELSE 0 END) AS users FROM budgets").get() as {
      n: number;
      users: number;
    };
    const global = (db.prepare("SELECT spent_micros FROM budgets WHERE scope = 'global'").get() as { spent_micros: number }).spent_micros;
    db.close();
    expect(rows.n).toBeGreaterThan(10_000);
    expect(global).toBe(rows.users);
  }, 300_000);

  it("retires past days from a memory ledger but never a lifetime scope, whose spend would be lost", async () => {
    const ledger = new MemoryBudgetLedger();
    const r = scopeRig(ledger, CAP);
    for (let day = 0; day < 40; day++) {
      await r.call("same-user");
      await r.settle();
      r.advance(DAY);
    }
    await r.settle();
    const scopes = ledger.balances().map((b) => b.scope);
    // Every day is over once the clock moved past it: none is left, the lifetime scope stays.
    expect(scopes.filter((s) => s.includes("@day:"))).toEqual([]);
    expect(scopes).toContain("user:same-user");
    expect(r.projection.snapshot().budgets.filter((b) => b.scope.includes("@day:"))).toEqual([]);
    expect(ledger.spent("user:same-user")).toBe(ledger.spent("global"));
  });
});
