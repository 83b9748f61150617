// The test run's PostgreSQL server is real and each file gets a database of its own.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { testDatabase } from "../../helpers/postgres.js";

describe("the test PostgreSQL server", () => {
  it("gives each caller a fresh database it can write to", async () => {
    const [a, b] = [await testDatabase(), await testDatabase()];
    expect(a).not.toBe(b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      await client.query("CREATE TABLE t (x int)");
      const { rows } = await client.query<{ version: string }>("SELECT current_setting('server_version') AS version");
      expect(rows[0]?.version).toMatch(/^\d+/);
    } finally {
      await client.end();
    }
  });
});
