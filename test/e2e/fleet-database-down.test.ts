// PostgreSQL stopped under three real `iron run` supervisors whose Python agents keep calling:
// the supervisors go on from the budget slices they hold, then deny with 503 IRON_ERR_STORE (fail
// closed, no call reaches the provider unpaid for), recover by themselves when the server is back,
// and lose no call record.
import { execa, type ResultPromise } from "execa";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../../src/mock-llm/index.js";
import { DEBIAN_PYTHON, FIXTURES, IRON_BIN, tempDir } from "../helpers/iron.js";
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

interface Line {
  readonly i: number;
  readonly status: number;
  readonly code?: string | null;
}

/** A running supervisor and the lines its agent printed so far. */
interface Member {
  readonly run: ResultPromise<{ reject: false; env: Record<string, string>; buffer: false }>;
  readonly lines: Line[];
}

function member(url: string, stop: string): Member {
  const run = execa("node", [IRON_BIN, "run", "--state", url, "--budget", "0.05", "--no-stream", "--python", DEBIAN_PYTHON, join(FIXTURES, "steady_caller.py")], {
    env: { OPENAI_BASE_URL: mock.baseUrl, STOP_FILE: stop },
    reject: false,
    buffer: false,
  });
  const lines: Line[] = [];
  let rest = "";
  run.stdout?.on("data", (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split("\n");
    rest = parts.pop() ?? "";
    for (const part of parts) if (part.startsWith("{")) lines.push(JSON.parse(part) as Line);
  });
  return { run, lines };
}

describe("the fleet's database stopped under running supervisors", () => {
  it("denies with IRON_ERR_STORE once the held slices run out, recovers when it is back, and loses no call", { timeout: 180_000 }, async () => {
    const url = await createTestDatabase(server.url);
    const stop = join(tempDir("iron-fleet-down-"), "stop");
    const fleet = [member(url, stop), member(url, stop), member(url, stop)];
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
          const seen = (lines: readonly { status: number; code?: string | null }[]): Record<string, number> => {
            const counts: Record<string, number> = {};
            for (const l of lines) counts[`${l.status} ${l.code ?? null}`] = (counts[`${l.status} ${l.code ?? null}`] ?? 0) + 1;
            return counts;
          };
          expect(seen(rows)).toEqual(seen(m.lines));
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
