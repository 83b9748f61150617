// Three supervisors' ledgers on one real PostgreSQL server share one budget by leases: under
// 1 000 concurrent reservations against a nearly spent budget the fleet never charges more
// than the limit, spends at least 99 % of it, and settles each call exactly once.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { testDatabase } from "../../helpers/postgres.js";

const LIMIT = 1_000_000;
const ALREADY_SPENT = 950_000;
const CALL = 100;

async function budgetRow(url: string, scope: string): Promise<{ limit_micros: number; spent_micros: number; leased_micros: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT limit_micros::int, spent_micros::int, leased_micros::int FROM budgets WHERE scope = $1", [scope]);
    return rows[0] as { limit_micros: number; spent_micros: number; leased_micros: number };
  } finally {
    await client.end();
  }
}

describe("a fleet's shared budget", () => {
  it("holds with zero overshoot under 1 000 concurrent calls from 3 supervisors and spends >= 99 % of it", async () => {
    const url = await testDatabase();
    // Earlier spend, through a supervisor that has stopped since.
    const earlier = await PostgresStore.open(url);
    earlier.budgets.setLimit("global", LIMIT);
    expect(await earlier.budgets.acquire("earlier", ["global"], ALREADY_SPENT)).toEqual({ ok: true });
    earlier.budgets.settle("earlier", ALREADY_SPENT);
    await earlier.close();
    const fleet = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url)));
    try {
      for (const store of fleet) store.budgets.setLimit("global", LIMIT);
      let providerSaw = 0;
      const outcomes = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          const ledger = fleet[i % 3]!.budgets;
          const callId = `call-${i}`;
          const result = await ledger.acquire(callId, ["global"], CALL);
          if (!result.ok) return "denied";
          await new Promise((r) => setTimeout(r, i % 7));
          providerSaw += CALL;
          ledger.settle(callId, CALL);
          return "allowed";
        }),
      );
      // A settle retried (a restart, a lost connection) is charged once.
      await Promise.all(fleet.map((s) => s.drain()));
      const after = await budgetRow(url, "global");
      expect(ALREADY_SPENT + providerSaw).toBeLessThanOrEqual(LIMIT);
      expect(after.spent_micros).toBe(ALREADY_SPENT + providerSaw);
      expect(after.spent_micros).toBeGreaterThanOrEqual(0.99 * LIMIT);
      expect(outcomes.filter((o) => o === "denied").length).toBeGreaterThan(0);
      expect(after.spent_micros + after.leased_micros).toBeLessThanOrEqual(LIMIT);
    } finally {
      await Promise.all(fleet.map((s) => s.close()));
    }
    const closed = await budgetRow(url, "global");
    expect(closed.leased_micros).toBe(0);
  });

  it("holds a per-user limit inside the global one across supervisors, reserving in both scopes or neither", async () => {
    const url = await testDatabase();
    const fleet = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url)));
    try {
      for (const store of fleet) {
        store.budgets.setLimit("global", 1_000_000);
        store.budgets.setLimit("user:dora@example.com", 20_000);
      }
      let providerSaw = 0;
      await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const ledger = fleet[i % 3]!.budgets;
          const result = await ledger.acquire(`u-${i}`, ["global", "user:dora@example.com"], CALL);
          if (!result.ok) return;
          await new Promise((r) => setTimeout(r, i % 5));
          providerSaw += CALL;
          ledger.settle(`u-${i}`, CALL);
        }),
      );
      await Promise.all(fleet.map((s) => s.drain()));
      const user = fleet[0]!.scrubber.text("user:dora@example.com");
      const [dora, global] = [await budgetRow(url, user), await budgetRow(url, "global")];
      expect(providerSaw).toBeLessThanOrEqual(20_000);
      expect(dora.spent_micros).toBe(providerSaw);
      expect(dora.spent_micros).toBeGreaterThanOrEqual(0.99 * 20_000);
      expect(global.spent_micros).toBe(providerSaw);
    } finally {
      await Promise.all(fleet.map((s) => s.close()));
    }
  });
});
