// A pooled connection the server drops (a shutdown's FATAL 57P01, pg_terminate_backend, a failover)
// raises no uncaught 'error', whatever the connection is doing: idle, checked out between two
// statements, or being ended by the pool after a failed statement. node-postgres emits 'error' on
// the client itself while it is out of the idle list, and an 'error' with no listener ends the
// supervisor. Seen in CI: a fast shutdown under database-down.test.ts crashed the test worker.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openPool } from "../../../src/store/postgres/pg-connect.js";
import { testDatabase } from "../../helpers/postgres.js";

const unhandled: unknown[] = [];
const record = (error: unknown): void => {
  unhandled.push(error);
};

afterEach(() => {
  process.off("uncaughtException", record);
});

async function terminate(url: string, pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
  } finally {
    await admin.end();
  }
}

describe("the fleet's pool when the server drops a connection", () => {
  it("raises no uncaught error for a connection checked out between two statements", async () => {
    const url = await testDatabase();
    const pool = await openPool(url, 1);
    process.on("uncaughtException", record);
    try {
      const client = await pool.connect();
      const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid as number;
      await terminate(url, pid);
      // The server's FATAL reaches the client (no statement runs on it meanwhile).
      await new Promise((resolve) => setTimeout(resolve, 500));
      client.release(true);
      expect(unhandled).toEqual([]);
      // The pool goes on with a new connection.
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
