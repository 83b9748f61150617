// PostgreSQL stopped under three real `iron run` supervisors whose Python agents keep calling:
// the supervisors go on from the budget slices they hold, then deny with 503 IRON_ERR_STORE (fail
// closed, no call reaches the provider unpaid for), recover by themselves when the server is back,
// and lose no call record.
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { byOutcome, fleetMember } from "../helpers/fleet-member.js";
import { tempDir } from "../helpers/iron.js";
import { createTestDatabase, startOwnPostgresServer, type OwnPostgresServer } from "../helpers/postgres-server.js";

let server: OwnPostgresServer;
let mock: MockLlm;
beforeAll(async () => {
  server = await startOwnPostgresServer();
  mock = await startMockLlm({ port: 0, maxRecorded: 100_000 });
});
afterAll(async () => {
  await mock?.close();
  await server?.stop();
});

describe("the fleet's database stopped under running supervisors", () => {
  it("denies with IRON_ERR_STORE once the held slices run out, recovers when it is back, and loses no call", { timeout: 180_000 }, async () => {
    const url = await createTestDatabase(server.url);
    const stop = join(tempDir("iron-fleet-down-"), "stop");
    const fleet = [1, 2, 3].map(() => fleetMember(url, mock.baseUrl, stop, "0.05"));
    try {
      // Every agent is calling, each through its own supervisor.
      await expect.poll(() => fleet.map((m) => m.lines.filter((l) => l.status === 200).length > 3), { timeout: 60_000 }).toEqual([true, true, true]);

      await server.pause();
      const mark = fleet.map((m) => m.lines.length);
      // Decisions from the held slices go on for a while, then every supervisor fails closed.
      await expect.poll(() => fleet.map((m) => m.lines.slice(mark[fleet.indexOf(m)]).some((l) => l.status === 503)), { timeout: 60_000 }).toEqual([true, true, true]);
      const whileDown = fleet.map((m, k) => m.lines.slice(mark[k]));
      for (const lines of whileDown) {
        const firstRefused = lines.findIndex((l) => l.status === 503);
        // Refused only as the store's failure: never as over budget, never anything else.
        expect(new Set(lines.filter((l) => l.status !== 200).map((l) => `${l.status} ${String(l.code)}`))).toEqual(new Set(["503 IRON_ERR_STORE"]));
        expect(lines.slice(0, firstRefused).every((l) => l.status === 200)).toBe(true);
      }
      const answeredBeforeResume = mock.requests.length;

      await server.resume();
      const back = fleet.map((m) => m.lines.length);
      // Unaided: every supervisor allows calls again.
      await expect.poll(() => fleet.map((m, k) => m.lines.slice(back[k]).some((l) => l.status === 200)), { timeout: 60_000 }).toEqual([true, true, true]);
      expect(mock.requests.length).toBeGreaterThan(answeredBeforeResume);

      writeFileSync(stop, "");
      const done = await Promise.all(fleet.map((m) => m.run));
      for (const r of done) expect(r.exitCode).toBe(0);

      // Nothing lost: every call each agent made is in the ledger, under its supervisor, with the outcome the agent saw.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const m of fleet) {
          const { rows } = await client.query<{ status: number; code: string | null }>(
            "SELECT c.status, c.code FROM calls c JOIN supervisors s ON s.id = c.supervisor_id WHERE s.host = $1 AND s.pid = $2 ORDER BY c.requested_at, c.call_id",
            [hostname(), m.run.pid],
          );
          expect(byOutcome(rows)).toEqual(byOutcome(m.lines));
        }
        // Each answered call charged once; no lease left behind.
        const settled = (await client.query("SELECT count(*)::int AS n FROM settled")).rows[0].n as number;
        expect(settled).toBe(fleet.reduce((n, m) => n + m.lines.filter((l) => l.status === 200).length, 0));
        expect((await client.query("SELECT leased_micros::int AS leased FROM budgets WHERE scope = 'global'")).rows[0]).toEqual({ leased: 0 });
      } finally {
        await client.end();
      }
    } finally {
      writeFileSync(stop, "");
      for (const m of fleet) m.run.kill("SIGTERM");
      await Promise.all(fleet.map((m) => m.run));
    }
  });
});
