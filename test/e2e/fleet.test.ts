// Three real `iron run` supervisors on one PostgreSQL database hold one budget: together they
// never spend more than the limit, `iron calls` and `iron agents` show every supervisor's calls
// and agents with its host and pid, `iron watch --state <url>` follows every supervisor's events,
// and the budget row settles exactly the ledger's spend.
import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN, iron, tempDir } from "../helpers/iron.js";
import { testDatabase } from "../helpers/postgres.js";

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const BUDGET_USD = "0.0003";
const LIMIT_MICROS = 300;

describe("a fleet of three supervisors on PostgreSQL", () => {
  it("shares one budget without overshoot and shows as one fleet in iron calls, iron agents and iron watch", { timeout: 90_000 }, async () => {
    const url = await testDatabase();
    const go = join(tempDir("iron-fleet-"), "go");
    const runs = [1, 2, 3].map(() =>
      execa("node", [IRON_BIN, "run", "--state", url, "--budget", BUDGET_USD, "--no-stream", "--python", DEBIAN_PYTHON, join(FIXTURES, "chat_loop.py")], {
        env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: "40", FIXTURE_UNTIL_DENIED: "1", FIXTURE_GO_FILE: go },
        reject: false,
      }),
    );
    // Every supervisor registered before the calls start, so they race for one budget.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const ended: string[] = [];
      for (const run of runs) void run.then((r) => ended.push(`exited ${r.exitCode}: ${String(r.stderr)}`));
      const registered = async (): Promise<number | string> => {
        if (ended.length > 0) return ended.join("\n"); // a supervisor that ended before the start says why
        // Before the first supervisor has created the schema there is no table to count.
        return (await client.query("SELECT count(*)::int AS n FROM supervisors").catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n as number;
      };
      await expect.poll(registered, { timeout: 60_000 }).toBe(3);
      // `iron watch` on the database follows the fleet (from each supervisor's first event), each event tagged with its supervisor.
      const watch = execa("node", [IRON_BIN, "watch", "--state", url, "--json", "--type", "llm.decision", "--since", "0"], { reject: false, buffer: true });
      const watched: string[] = [];
      watch.stdout?.on("data", (chunk: Buffer) =>
        watched.push(
          ...chunk
            .toString()
            .split("\n")
            .filter((l) => l !== ""),
        ),
      );
      writeFileSync(go, "");
      const done = await Promise.all(runs);

      const report = JSON.parse((await iron(["calls", "--state", url, "--json"])).stdout) as {
        calls: { outcome: string; costMicros: number; supervisor: string; code: string | null }[];
        totals: { calls: number; costMicros: number };
      };
      // A run exits 0, or 75 when every call it made was denied by the budget: on a loaded machine an
      // agent may start its loop after the others have spent the fleet's budget (its supervisor
      // registered in time, its Python had not yet read the go file).
      for (const [i, r] of done.entries()) {
        const own = report.calls.filter((c) => c.supervisor === `${hostname()}/${String(runs[i]?.pid)}`);
        const allDenied = own.length > 0 && own.every((c) => c.outcome === "deny" && c.code === "IRON_ERR_BUDGET");
        expect(r.exitCode, String(r.stderr)).toBe(allDenied ? 75 : 0);
      }
      // Each agent calls until its first denial, which comes only when the fleet has spent its budget.
      expect(report.calls.filter((c) => c.outcome === "deny")).toHaveLength(3);
      const pids = runs.map((r) => r.pid);
      expect(new Set(report.calls.map((c) => c.supervisor))).toEqual(new Set(pids.map((pid) => `${hostname()}/${pid}`)));
      const allowed = report.calls.filter((c) => c.outcome === "allow");
      expect(allowed.length).toBeGreaterThan(0);
      expect(report.calls.filter((c) => c.outcome === "deny").every((c) => c.code === "IRON_ERR_BUDGET")).toBe(true);
      // What the provider was asked for, and charged, stays within the fleet's one limit.
      expect(report.totals.costMicros).toBeLessThanOrEqual(LIMIT_MICROS);
      const row = (await client.query("SELECT spent_micros::int AS spent, leased_micros::int AS leased FROM budgets WHERE scope = 'global'")).rows[0];
      expect(row).toEqual({ spent: report.totals.costMicros, leased: 0 });
      expect(mock.requests.length).toBe(allowed.length);

      const agents = await iron(["agents", "--state", url]);
      expect(agents.exitCode, agents.stderr).toBe(0);
      expect(agents.stdout).toMatch(/^AGENT\s+KIND\s+STATE\s+PID\s+HOST\s+SUPERVISOR/);
      for (const pid of pids) expect(agents.stdout).toContain(`${hostname()}/${pid}`);
      const table = await iron(["calls", "--state", url]);
      expect(table.stdout).toMatch(/SUPERVISOR/);

      const supervisorsSeen = (): string[] => [...new Set(watched.map((l) => (JSON.parse(l) as { supervisor: string }).supervisor))].sort();
      await expect.poll(supervisorsSeen, { timeout: 20_000 }).toEqual(pids.map((pid) => `${hostname()}/${pid}`).sort());
      // Every call's decision, whichever supervisor made it.
      await expect.poll(() => new Set(watched.map((l) => (JSON.parse(l) as { callId: string }).callId)).size, { timeout: 20_000 }).toBe(report.calls.length);
      watch.kill("SIGTERM");
      expect((await watch).exitCode).toBe(0);
    } finally {
      await client.end();
    }
  });
});
