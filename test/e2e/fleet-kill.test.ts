// One of two real `iron run` supervisors on one database is killed with -9 while its agent calls:
// the slice it held comes back to the fleet once its lease's TTL (10 s) has passed, the survivor
// goes on, and nothing is charged twice.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { fleetMember } from "../helpers/fleet-member.js";
import { tempDir } from "../helpers/iron.js";
import { testDatabase } from "../helpers/postgres.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0, maxRecorded: 0 });
});
afterAll(async () => {
  await mock.close();
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

describe("a fleet supervisor killed with -9", () => {
  it("gives its slice back to the fleet after the lease TTL, and charges nothing twice", { timeout: 120_000 }, async () => {
    const url = await testDatabase();
    const dir = tempDir("iron-fleet-kill-");
    const [victim, survivor] = [fleetMember(url, mock.baseUrl, join(dir, "stop-victim"), "1"), fleetMember(url, mock.baseUrl, join(dir, "stop-survivor"), "1")];
    if (victim === undefined || survivor === undefined) throw new Error("two members expected");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let agentPid: number | null = null;
    try {
      await expect.poll(() => [victim.lines.length > 5, survivor.lines.length > 5], { timeout: 60_000 }).toEqual([true, true]);
      const lease = async (pid: number | undefined): Promise<number> =>
        (
          await client.query<{ micros: number }>(
            "SELECT coalesce(sum(l.micros), 0)::int AS micros FROM leases l JOIN supervisors s ON s.id = l.supervisor_id WHERE s.pid = $1 AND l.scope = 'global'",
            [pid],
          )
        ).rows[0]?.micros ?? 0;
      const held = await lease(victim.run.pid);
      expect(held).toBeGreaterThan(0);
      agentPid = (await client.query<{ pid: number }>("SELECT a.pid FROM agents a JOIN supervisors s ON s.id = a.supervisor_id WHERE s.pid = $1", [victim.run.pid])).rows[0]?.pid ?? null;

      victim.run.kill("SIGKILL");
      const killed = await victim.run;
      expect(killed.signal).toBe("SIGKILL");
      // Its agent, now without a supervisor, is stopped by hand (a dead supervisor reaps nothing).
      if (agentPid !== null) killQuietly(agentPid);
      // Still lent right after the kill (give or take its last settles and grants): nobody can tell a dead supervisor from a slow one before its TTL.
      const stranded = await lease(victim.run.pid);
      expect(stranded).toBeGreaterThan(0);
      // The dead supervisor's slice is still counted as lent until its lease expires; then the survivor reclaims it.
      await expect.poll(() => lease(victim.run.pid), { timeout: 30_000, interval: 250 }).toBe(0);
      const calledAfter = survivor.lines.length;
      await expect.poll(() => survivor.lines.length, { timeout: 30_000 }).toBeGreaterThan(calledAfter + 5);
      expect(survivor.lines.every((l) => l.status === 200)).toBe(true);

      writeFileSync(join(dir, "stop-survivor"), "");
      expect((await survivor.run).exitCode).toBe(0);
      // Nothing double-counted: the scope's spend is exactly the sum of the calls settled once each; nothing stays lent.
      const row = (await client.query("SELECT spent_micros::int AS spent, leased_micros::int AS leased FROM budgets WHERE scope = 'global'")).rows[0];
      const settled = (await client.query("SELECT coalesce(sum(micros), 0)::int AS micros, count(*)::int AS n, count(DISTINCT call_id)::int AS d FROM settled")).rows[0];
      expect(settled.n).toBe(settled.d);
      expect(row).toEqual({ spent: settled.micros, leased: 0 });
      const charged = (await client.query("SELECT coalesce(sum(cost_micros), 0)::int AS micros FROM calls c JOIN settled s USING (call_id)")).rows[0];
      expect(charged.micros).toBe(settled.micros);
    } finally {
      writeFileSync(join(dir, "stop-victim"), "");
      writeFileSync(join(dir, "stop-survivor"), "");
      victim.run.kill("SIGKILL");
      survivor.run.kill("SIGTERM");
      await Promise.all([victim.run, survivor.run]);
      await client.end();
    }
  });
});
