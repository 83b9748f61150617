// Test files' door to PostgreSQL: a fresh database per call on the run's server.
import pg from "pg";
import { inject } from "vitest";
import { createTestDatabase } from "./postgres-server.js";

/** A new, empty database on the test run's server (see test/postgres-setup.ts); its URL. */
export function testDatabase(): Promise<string> {
  return createTestDatabase(inject("postgresAdminUrl"));
}

/** The test run's server, as its administrator. */
export function postgresAdminUrl(): string {
  return inject("postgresAdminUrl");
}

/** Each budget scope's recorded spend in a fleet database, read on a connection of its own. */
export async function spentIn(url: string): Promise<Record<string, number>> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ scope: string; spent: number }>("SELECT scope, spent_micros::int AS spent FROM budgets ORDER BY scope");
    return Object.fromEntries(rows.map((r) => [r.scope, r.spent]));
  } finally {
    await db.end();
  }
}
