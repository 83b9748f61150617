// `iron budget reset --state postgres://…` starts a fleet's budgets afresh on a real PostgreSQL
// server while its supervisors run: the database's spend goes to zero for the scopes asked for
// (each with its periods), every running supervisor reads the new spend back (so a scope that was
// out of budget lets calls through again), and what is not asked for keeps its spend.
import { describe, expect, it } from "vitest";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { iron } from "../../helpers/iron.js";
import { spentIn, testDatabase } from "../../helpers/postgres.js";

describe("iron budget reset on a fleet", () => {
  it("zeroes the spend of the scopes asked for in the database and in every running supervisor", async () => {
    const url = await testDatabase();
    const a = await PostgresStore.open(url, { retention: false });
    const b = await PostgresStore.open(url, { retention: false });
    try {
      a.budgets.setLimit("global", 1000);
      b.budgets.setLimit("global", 1000);
      a.budgets.setLimit("agent:x", 1000);
      // Each supervisor spends; together they spend the whole global limit.
      expect(await a.budgets.acquire("a1", ["global", "agent:x", "agent:x@day:2026-12-07"], 600)).toEqual({ ok: true });
      a.budgets.settle("a1", 600);
      expect(await b.budgets.acquire("b1", ["global"], 400)).toEqual({ ok: true });
      b.budgets.settle("b1", 400);
      await a.budgets.flush();
      await b.budgets.flush();
      expect(await spentIn(url)).toMatchObject({ global: 1000, "agent:x": 600, "agent:x@day:2026-12-07": 600 });
      expect((await b.budgets.acquire("b2", ["global"], 10)).ok).toBe(false);

      const dry = await iron(["budget", "reset", "global", "--state", url]);
      expect(dry.exitCode).toBe(64);
      expect(dry.stderr).toContain("would reset global ($0.001) in postgres://");
      const done = await iron(["budget", "reset", "global", "agent:x", "--state", url, "--yes", "--json"]);
      const report = JSON.parse(done.stdout) as { state: string; reset: { scope: string; spent_usd: number }[] };
      expect(report.state).not.toContain(new URL(url).password);
      expect(report.reset).toEqual([
        { scope: "agent:x", spent_usd: 0.0006 },
        { scope: "agent:x@day:2026-12-07", spent_usd: 0.0006 },
        { scope: "global", spent_usd: 0.001 },
      ]);
      expect(await spentIn(url)).toMatchObject({ global: 0, "agent:x": 0, "agent:x@day:2026-12-07": 0 });
      // Both running supervisors follow: their spend reads 0, and the global budget has room again.
      await expect.poll(() => [a.budgets.spent("global"), b.budgets.spent("global"), a.budgets.spent("agent:x")], { timeout: 10_000 }).toEqual([0, 0, 0]);
      expect(await b.budgets.acquire("b3", ["global"], 300)).toEqual({ ok: true });
      b.budgets.settle("b3", 300);
      await b.budgets.flush();
      expect((await spentIn(url)).global).toBe(300);

      const none = await iron(["budget", "reset", "user:nobody", "--state", url, "--yes"]);
      expect(none.stdout).toContain("nothing to reset: no spend recorded for those scopes in postgres://");
    } finally {
      await a.close();
      await b.close();
    }
  }, 90_000);
});
