// Test files' door to PostgreSQL: a fresh database per call on the run's server.
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
