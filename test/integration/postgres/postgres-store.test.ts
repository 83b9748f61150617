// Opening the fleet store against a real PostgreSQL server: schema on first use, migrations
// raced by several supervisors, a newer schema refused, bad credentials and dead hosts reported.
import { createServer, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { isPostgresUrl, redactUrl } from "../../../src/store/postgres/postgres-url.js";
import { testDatabase } from "../../helpers/postgres.js";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("PostgresStore.open", () => {
  it("tells URLs from paths and never prints a password", () => {
    expect([isPostgresUrl("postgres://a@h/db"), isPostgresUrl("postgresql://h/db"), isPostgresUrl(".iron/state.db"), isPostgresUrl("/tmp/postgres.db")]).toEqual([true, true, false, false]);
    expect(redactUrl("postgres://iron:s3cret@db:5432/x")).toBe("postgres://iron:***@db:5432/x");
  });

  it("creates the schema once when four supervisors start at the same moment, and registers each with host and pid", async () => {
    const url = await testDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresStore.open(url)));
    try {
      expect(new Set(stores.map((s) => s.supervisorId)).size).toBe(4);
      expect(await query(url, "SELECT version FROM schema_version")).toEqual([{ version: 3 }]);
      const sups = await query<{ host: string; pid: number }>(url, "SELECT host, pid FROM supervisors");
      expect(sups).toHaveLength(4);
      expect(sups.every((s) => s.pid === process.pid && s.host.length > 0)).toBe(true);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    expect(await query(url, "SELECT count(*)::int AS n FROM supervisors WHERE ended_at IS NULL")).toEqual([{ n: 0 }]);
  });

  it("refuses a database written by a newer iron, saying which versions", async () => {
    const url = await testDatabase();
    await (await PostgresStore.open(url)).close();
    await query(url, "UPDATE schema_version SET version = 99");
    await expect(PostgresStore.open(url)).rejects.toMatchObject({ code: "IRON_ERR_STORE", message: expect.stringMatching(/newer iron.*expected schema version <= 3, got 99/) });
  });

  it("reports a wrong password as IRON_ERR_STORE, with the password hidden", async () => {
    const url = new URL(await testDatabase());
    url.password = "wrong-password";
    const error = await PostgresStore.open(url.toString()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "IRON_ERR_STORE", message: expect.stringMatching(/password authentication failed/) });
    expect((error as Error).message).not.toContain("wrong-password");
  });

  describe("a host that never answers", () => {
    const sockets: Socket[] = [];
    let silent: Server;
    afterAll(() => {
      for (const s of sockets) s.destroy();
      silent?.close();
    });

    it("fails start-up with IRON_ERR_STORE after the connect timeout instead of hanging", async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const port = (silent.address() as { port: number }).port;
      await expect(PostgresStore.open(`postgres://iron:pw@127.0.0.1:${port}/db`)).rejects.toMatchObject({ code: "IRON_ERR_STORE", message: expect.stringMatching(/connecting.*timeout/i) });
    });

    it("and a port nobody listens on at once", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await expect(PostgresStore.open(`postgres://iron@127.0.0.1:${port}/db`)).rejects.toMatchObject({ code: "IRON_ERR_STORE", message: expect.stringMatching(/ECONNREFUSED/) });
    });
  });
});
