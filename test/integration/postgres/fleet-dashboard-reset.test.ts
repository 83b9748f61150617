// The dashboard's (and the control API's) budget.reset on one supervisor of a fleet, on a real
// PostgreSQL server: it is the fleet's reset, as `iron budget reset --state postgres://…` — the
// database's spend goes to zero for the scopes asked for, every running supervisor reads it back
// (a call that did not fit fits again), what is not asked for keeps its spend, and the action is
// answered and audited as with a state file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IronEvent } from "../../../src/events/types.js";
import { Supervisor } from "../../../src/supervisor/supervisor.js";
import { act, pageFixture, parseDashboardUrl } from "../../helpers/dashboard.js";
import { patiently } from "../../helpers/patiently.js";
import { createTestDatabase, startOwnPostgresServer, type OwnPostgresServer } from "../../helpers/postgres-server.js";
import { spentIn, testDatabase } from "../../helpers/postgres.js";

// Reserves once the supervisor holds a slice for it (slices are granted in the background), then settles.
async function spend(sup: Supervisor, callId: string, scopes: string[], micros: number): Promise<void> {
  await patiently(() => sup.budgets.reserve(callId, scopes, micros).ok).toBe(true);
  sup.budgets.settle(callId, micros);
}

describe("budget.reset from one supervisor of a fleet", () => {
  it("zeroes the spend of the scopes asked for in the database and in every running supervisor, and is audited", async () => {
    const url = await testDatabase();
    const a = await Supervisor.start({ state: url, budgetUsd: 0.001, stream: { dashboardDir: pageFixture() } });
    const b = await Supervisor.start({ state: url });
    try {
      const events: IronEvent[] = [];
      a.on("event", (e) => void ((e.type === "control.action" || e.type === "budget.update") && events.push(e)));
      await patiently(() => b.budgets.limit("global")).toBe(1000);
      await spend(a, "a1", ["global", "agent:x"], 600);
      await spend(b, "b1", ["global", "agent:y"], 400);
      await patiently(() => spentIn(url)).toMatchObject({ global: 1000, "agent:x": 600, "agent:y": 400 });
      expect(b.budgets.reserve("b2", ["global"], 300).ok).toBe(false);

      const { base, token } = parseDashboardUrl(a.dashboardUrl ?? "");
      const answer = await act(base, token, { action: "budget.reset", scopes: ["global", "agent:x"] });
      expect([answer.status, answer.json]).toEqual([
        200,
        {
          ok: true,
          seq: expect.any(Number),
          reset: [
            { scope: "agent:x", spent: 600 },
            { scope: "global", spent: 1000 },
          ],
        },
      ]);
      expect(await spentIn(url)).toMatchObject({ global: 0, "agent:x": 0, "agent:y": 400 });
      // This supervisor has read the spend back when it answers; the other follows the NOTIFY.
      expect([a.budgets.spent("global"), a.budgets.spent("agent:x")]).toEqual([0, 0]);
      await patiently(() => [b.budgets.spent("global"), b.budgets.spent("agent:y")]).toEqual([0, 400]);
      await patiently(() => b.budgets.reserve("b3", ["global"], 300).ok).toBe(true);
      b.budgets.settle("b3", 300);
      await patiently(async () => (await spentIn(url)).global).toBe(300);

      const audit = events.find((e) => e.type === "control.action" && e.action === "budget.reset");
      expect(audit).toMatchObject({
        action: "budget.reset",
        target: "global,agent:x",
        params: { scopesReset: 2, spentMicros: 1600 },
        outcome: "done",
        source: "dashboard",
        seq: answer.json.seq,
      });
      const updates = events.filter((e) => e.type === "budget.update" && e.seq < (audit?.seq ?? 0) && (e.scope === "global" || e.scope === "agent:x"));
      expect(updates.slice(-2)).toMatchObject([
        { scope: "agent:x", spent: 0 },
        { scope: "global", spent: 0 },
      ]);

      // The TypeScript API: the asynchronous reset works in a fleet; the synchronous one says to use it.
      expect(await a.resetBudgets({ scopes: ["agent:y"] })).toEqual([{ scope: "agent:y", spent: 400 }]);
      expect(() => a.budgets.resetSpent?.({ all: true })).toThrow(/IRON_ERR_STATE.*await sup\.resetBudgets/);
    } finally {
      await b.close();
      await a.close();
    }
  }, 90_000);
});

describe("budget.reset from a supervisor whose fleet database is down", () => {
  let server: OwnPostgresServer;
  beforeAll(async () => {
    server = await startOwnPostgresServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers 503 IRON_ERR_STORE with the store's reason", async () => {
    const sup = await Supervisor.start({ state: await createTestDatabase(server.url), stream: { dashboardDir: pageFixture() } });
    try {
      await server.pause();
      const { base, token } = parseDashboardUrl(sup.dashboardUrl ?? "");
      const answer = await act(base, token, { action: "budget.reset", all: true });
      expect(answer.status).toBe(503);
      expect(answer.json.error).toMatchObject({ code: "IRON_ERR_STORE", message: expect.stringMatching(/^the PostgreSQL state store failed while resetting budget spend: /) });
    } finally {
      await server.resume();
      await sup.close().catch(() => undefined);
    }
  }, 90_000);
});
