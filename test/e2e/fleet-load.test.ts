// Three real `iron run` supervisors on one PostgreSQL database, each with a real Python agent
// firing its share of 1 000 calls at once against a budget that is nearly spent: the spend the
// provider actually answered never exceeds the fleet's limit, and the fleet spends nearly all of it.
import { execa, type ResultPromise } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN, iron, jsonLines, tempDir } from "../helpers/iron.js";
import { testDatabase } from "../helpers/postgres.js";

let mock: MockLlm;
/** A decision may wait its turn among 1 000 on a busy CI machine: the shim waits up to a minute instead of failing closed at 5 s. */
let patientShim: string;
beforeAll(async () => {
  mock = await startMockLlm({ port: 0, maxRecorded: 10_000, echo: true });
  patientShim = join(tempDir("iron-fleet-load-"), "iron.yaml");
  writeFileSync(patientShim, "shim:\n  decision_timeout: 60s\n");
});
afterAll(async () => {
  await mock.close();
});

const CALLS = 1000;
const SUPERVISORS = 3;
/** $0.01 for the fleet, $0.008 of it spent before the supervisors start: room for ~140 of the 1 000 calls. */
const LIMIT_MICROS = 10_000;
const SPENT_BEFORE = 8000;

/** Starts one `iron run` supervisor on `url` whose agent fires `calls` calls at once when `go` appears. */
function supervisor(url: string, go: string, calls: number, extra: { args?: string[]; env?: Record<string, string> } = {}): ResultPromise<{ reject: false; env: Record<string, string> }> {
  const args = extra.args ?? ["--config", patientShim, "--budget", String(LIMIT_MICROS / 1e6)];
  return execa("node", [IRON_BIN, "run", "--state", url, ...args, "--no-stream", "--python", DEBIAN_PYTHON, join(FIXTURES, "burst_calls.py")], {
    env: { OPENAI_BASE_URL: mock.baseUrl, FIXTURE_CALLS: String(calls), FIXTURE_GO_FILE: go, ...extra.env },
    reject: false,
  });
}

/** Starts the fleet, waits until every member is registered, then lets the agents fire; resolves with their call lines. */
async function burst(client: pg.Client, runs: ReturnType<typeof supervisor>[], go: string): Promise<Record<string, unknown>[]> {
  const ended: string[] = [];
  for (const run of runs) void run.then((r) => ended.push(`exited ${r.exitCode}: ${String(r.stderr)}`));
  const registered = async (): Promise<number | string> =>
    ended.length > 0 ? ended.join("\n") : (await client.query("SELECT count(*)::int AS n FROM supervisors WHERE ended_at IS NULL").catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n;
  await expect.poll(registered, { timeout: 60_000 }).toBe(runs.length);
  mock.clearRequests();
  writeFileSync(go, "");
  const done = await Promise.all(runs);
  for (const r of done) expect(r.exitCode, String(r.stderr)).toBe(0);
  return done.flatMap((r) => jsonLines(String(r.stdout)));
}

describe("a fleet of three supervisors under 1 000 concurrent calls", () => {
  it("never lets the provider see more spend than the limit, and spends nearly all of it", { timeout: 180_000 }, async () => {
    const url = await testDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The fleet's earlier spend: created before any supervisor, as a fleet that has run for a while leaves it.
      const first = await iron(["calls", "--state", url, "--json"]); // migrates the schema
      expect(first.exitCode, first.stderr).toBe(0);
      await client.query("INSERT INTO budgets (scope, limit_micros, spent_micros, updated_at) VALUES ('global', $1, $2, 0)", [LIMIT_MICROS, SPENT_BEFORE]);

      const go = join(tempDir("iron-fleet-load-"), "go");
      const shares = Array.from({ length: SUPERVISORS }, (_, i) => Math.floor(CALLS / SUPERVISORS) + (i < CALLS % SUPERVISORS ? 1 : 0));
      const lines = await burst(
        client,
        shares.map((n) => supervisor(url, go, n)),
        go,
      );
      expect(lines).toHaveLength(CALLS);
      const allowed = lines.filter((l) => l.status === 200);
      const refused = lines.filter((l) => l.status !== 200);
      // Every refusal is the budget's, with its code: no call failed for another reason.
      expect(new Set(refused.map((l) => `${String(l.status)} ${String(l.code)}`))).toEqual(new Set(["402 IRON_ERR_BUDGET"]));

      const report = JSON.parse((await iron(["calls", "--state", url, "--json"])).stdout) as { calls: { outcome: string; costMicros: number; supervisor: string }[] };
      const charged = report.calls.filter((c) => c.outcome === "allow");
      expect(charged).toHaveLength(allowed.length);
      expect(report.calls).toHaveLength(CALLS);
      expect(new Set(report.calls.map((c) => c.supervisor)).size).toBe(SUPERVISORS);
      // The same request every time: each answer the provider gave costs the same.
      const each = charged[0]?.costMicros ?? 0;
      expect(each).toBeGreaterThan(0);
      expect(charged.every((c) => c.costMicros === each)).toBe(true);
      // What the provider actually answered, priced: never beyond the limit.
      const providerSaw = mock.requests.filter((r) => r.path.endsWith("/chat/completions"));
      expect(providerSaw).toHaveLength(allowed.length);
      const seenSpend = SPENT_BEFORE + providerSaw.length * each;
      expect(seenSpend).toBeLessThanOrEqual(LIMIT_MICROS);
      // Nearly all of it. Each call reserved its worst case (`worst`) and was charged less (`each`); the
      // calls that came after the room was reserved were refused before those reservations settled,
      // so a burst leaves at most that difference per allowed call, plus less than one worst case
      // per supervisor.
      const worst = (
        await client.query("SELECT max((data::jsonb ->> 'micros')::int) AS w FROM events WHERE type = 'llm.decision' AND data::jsonb ->> 'phase' = 'request' AND data::jsonb ->> 'action' = 'allow'")
      ).rows[0].w as number;
      console.log(`fleet burst: ${allowed.length} of ${CALLS} calls allowed, ${each} µ$ each (reserved ${worst}), ${SPENT_BEFORE + allowed.length * each} of ${LIMIT_MICROS} µ$ spent`);
      expect(worst).toBeGreaterThanOrEqual(each);
      // That bound is the promise; how much of it a burst leaves depends on how the calls overlap
      // (93.7–99.95 % spent in runs on 2 cores), so no fixed percentage is asserted on top of it.
      expect(LIMIT_MICROS - seenSpend).toBeLessThan(allowed.length * (worst - each) + SUPERVISORS * worst);
      const row = (await client.query("SELECT spent_micros::int AS spent, leased_micros::int AS leased FROM budgets WHERE scope = 'global'")).rows[0];
      expect(row).toEqual({ spent: seenSpend, leased: 0 });
      // Every call charged once.
      expect((await client.query("SELECT count(*)::int AS n, count(DISTINCT call_id)::int AS d FROM settled")).rows[0]).toEqual({ n: allowed.length, d: allowed.length });
    } finally {
      await client.end();
    }
  });

  it("holds a per-user daily budget the same way: one limit for the user across the fleet", { timeout: 180_000 }, async () => {
    const url = await testDatabase();
    const dir = tempDir("iron-fleet-user-");
    const config = join(dir, "iron.yaml");
    writeFileSync(config, "shim:\n  decision_timeout: 60s\nbudgets:\n  per_attribute:\n    user: { usd: 0.002, period: day }\n");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const go = join(dir, "go");
      const runs = [1, 2, 3].map(() => supervisor(url, go, 100, { args: ["--config", config], env: { FIXTURE_USER: "dora" } }));
      const lines = await burst(client, runs, go);
      expect(lines).toHaveLength(300);
      const allowed = lines.filter((l) => l.status === 200);
      expect(new Set(lines.filter((l) => l.status !== 200).map((l) => `${String(l.status)} ${String(l.code)}`))).toEqual(new Set(["402 IRON_ERR_BUDGET"]));
      // One row for dora's day, shared by the three (beside her lifetime row, which has no limit): what the provider answered stays within it.
      const { rows } = await client.query<{ scope: string; limit: number | null; spent: number; leased: number }>(
        "SELECT scope, limit_micros::int AS limit, spent_micros::int AS spent, leased_micros::int AS leased FROM budgets WHERE scope LIKE 'user:%' ORDER BY scope",
      );
      expect(rows.map((r) => [r.scope, r.limit])).toEqual([
        ["user:dora", null],
        [expect.stringMatching(/^user:dora@day:\d{4}-\d{2}-\d{2}$/), 2000],
      ]);
      const row = rows[1] as { scope: string; limit: number; spent: number; leased: number };
      expect(rows[0]?.spent).toBe(row.spent);
      const report = JSON.parse((await iron(["calls", "--state", url, "--json", "--attr", "user=dora"])).stdout) as { calls: { outcome: string; costMicros: number }[] };
      const charged = report.calls.filter((c) => c.outcome === "allow");
      expect(charged).toHaveLength(allowed.length);
      expect(mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(allowed.length);
      const each = charged[0]?.costMicros ?? 0;
      expect(charged.every((c) => c.costMicros === each)).toBe(true);
      expect(row).toMatchObject({ spent: allowed.length * each, leased: 0 });
      expect(row.spent).toBeLessThanOrEqual(row.limit);
      console.log(`fleet burst on one user's day: ${allowed.length} of 300 calls allowed, ${row.spent} of ${row.limit} µ$ spent`);
      // How much of a small limit a burst spends is timing: a call that finds the room leased to
      // another supervisor's calls in flight waits at most two rounds of asking (2 s), so on a quiet
      // machine 99.75 % is spent and at load 15-25 on 2 cores 36-61 %. The promise asserted here is the
      // limit (above); the share spent is printed, not asserted.
      expect(allowed.length).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });
});
