// Who sets a fleet's budget limit, and what a change does, on a real PostgreSQL server: a
// supervisor without a budget follows the fleet's limit and never clears it; a supervisor that
// configures one sets it for everyone and records a control.action; lowering a limit below
// spent + leased makes every holder give back what its calls in flight do not hold.
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { IronEvent } from "../../../src/events/types.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { Supervisor } from "../../../src/supervisor/supervisor.js";
import { patiently } from "../../helpers/patiently.js";
import { testDatabase } from "../../helpers/postgres.js";

async function globalRow(url: string): Promise<{ limit: number | null; spent: number; leased: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT limit_micros::int AS limit, spent_micros::int AS spent, leased_micros::int AS leased FROM budgets WHERE scope = 'global'");
    return rows[0] as { limit: number | null; spent: number; leased: number };
  } finally {
    await client.end();
  }
}

describe("a fleet's budget limits", () => {
  it("are kept by a supervisor started without a budget, set and audited by one that configures one", async () => {
    const url = await testDatabase();
    const first = await Supervisor.start({ state: url, budgetUsd: 1 });
    await patiently(async () => (await globalRow(url))?.limit ?? null).toBe(1_000_000);
    const bare = await Supervisor.start({ state: url });
    try {
      expect(bare.budgets.limit("global")).toBe(1_000_000);
      await first.close();
      // Nothing a budget-less supervisor does clears the fleet's limit.
      expect((await globalRow(url)).limit).toBe(1_000_000);
      const lower = await Supervisor.start({ state: url, budgetUsd: 0.5 });
      const audits: IronEvent[] = [];
      lower.on("event", (e) => {
        if (e.type === "control.action") audits.push(e);
      });
      await patiently(() => audits).toMatchObject([{ action: "budget.set", target: "global", params: { limitUsd: 0.5, previousUsd: 1 }, source: "config", outcome: "done" }]);
      await patiently(() => bare.budgets.limit("global")).toBe(500_000);
      await lower.close();
      expect((await globalRow(url)).limit).toBe(500_000);
    } finally {
      await bare.close();
    }
  });

  it("lowered below spent + leased, make every holder give back what no call holds", async () => {
    const url = await testDatabase();
    const fleet = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url)));
    try {
      fleet[0]!.budgets.setLimit("global", 1_000_000);
      // Each supervisor holds a slice, and one call in flight of 10 000.
      for (const [i, store] of fleet.entries()) expect(await store.budgets.acquire(`c${i}`, ["global"], 10_000)).toEqual({ ok: true });
      await patiently(() => fleet.map((s) => s.budgets.leaseOf("global") > 10_000)).toEqual([true, true, true]);
      const before = await globalRow(url);
      expect(before.spent + before.leased).toBeGreaterThan(40_000);

      fleet[1]!.budgets.setLimit("global", 40_000);
      await patiently(() => fleet.map((s) => s.budgets.leaseOf("global"))).toEqual([10_000, 10_000, 10_000]);
      await patiently(async () => (await globalRow(url)).leased).toBe(30_000);
      expect(fleet.map((s) => s.budgets.limit("global"))).toEqual([40_000, 40_000, 40_000]);
      // What is left under the new limit is one call's worth, for whoever asks first.
      expect(await fleet[2]!.budgets.acquire("d", ["global"], 10_000)).toEqual({ ok: true });
      expect(await fleet[0]!.budgets.acquire("e", ["global"], 10_000)).toMatchObject({ ok: false });
    } finally {
      await Promise.all(fleet.map((s) => s.close()));
    }
  });
});
