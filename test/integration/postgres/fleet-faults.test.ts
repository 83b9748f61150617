// Faults of a fleet on a real PostgreSQL server: a supervisor killed with -9 while holding a
// lease gives its slice back to the fleet once the lease's TTL passes (nothing charged twice),
// and a Supervisor runs on a postgres:// state URL, registered with its host and pid.
import { execa } from "execa";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { Supervisor } from "../../../src/index.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { FIXTURES } from "../../helpers/iron.js";
import { patiently } from "../../helpers/patiently.js";
import { testDatabase } from "../../helpers/postgres.js";

async function one<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows[0];
  } finally {
    await client.end();
  }
}

describe("a fleet's faults", () => {
  it("gives back the lease of a supervisor killed with -9 after its TTL, and charges nothing for it twice", async () => {
    const url = await testDatabase();
    const child = execa("node", [join(FIXTURES, "hold_lease.mjs"), url, "1000"], { reject: false });
    const lease = await new Promise<number>((resolve) => child.stdout?.on("data", (d: Buffer) => /held (\d+)/.test(String(d)) && resolve(Number(/held (\d+)/.exec(String(d))?.[1]))));
    expect(lease).toBeGreaterThan(0);
    expect(await one(url, "SELECT leased_micros::int AS leased, spent_micros::int AS spent FROM budgets WHERE scope = 'global'")).toEqual({ leased: lease, spent: 0 });
    child.kill("SIGKILL");
    await child;

    const survivor = await PostgresStore.open(url, { leases: { ttlMs: 1000 } });
    try {
      await patiently(() => one(url, "SELECT leased_micros::int AS leased FROM budgets WHERE scope = 'global'")).toEqual({ leased: 0 });
      survivor.budgets.setLimit("global", 1_000_000);
      expect(await survivor.budgets.acquire("c1", ["global"], 999_000)).toEqual({ ok: true });
      survivor.budgets.settle("c1", 999_000);
      await survivor.drain();
      expect(await one(url, "SELECT spent_micros::int AS spent FROM budgets WHERE scope = 'global'")).toEqual({ spent: 999_000 });
    } finally {
      await survivor.close();
    }
  });

  it("runs a Supervisor on a postgres:// state URL and records it with its host and pid", async () => {
    const url = await testDatabase();
    const sup = await Supervisor.start({ state: url, budgetUsd: 5 });
    try {
      expect(sup.budgets.limit("global")).toBe(5_000_000);
    } finally {
      await sup.close();
    }
    expect(await one(url, "SELECT pid, end_reason FROM supervisors")).toEqual({ pid: process.pid, end_reason: "closed" });
    expect(await one(url, "SELECT count(*)::int AS n FROM events WHERE type = 'supervisor.started'")).toEqual({ n: 1 });
    expect(await one(url, "SELECT limit_micros::int AS limit FROM budgets WHERE scope = 'global'")).toEqual({ limit: 5_000_000 });
  });
});
