// Starts one throwaway PostgreSQL server for the whole test run (or uses
// $IRON_TEST_POSTGRES_URL); test files each create their own database on it.
import type { TestProject } from "vitest/node";
import { startPostgresServer } from "./helpers/postgres-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgresServer();
  project.provide("postgresAdminUrl", server.url);
  return () => server.stop();
}
