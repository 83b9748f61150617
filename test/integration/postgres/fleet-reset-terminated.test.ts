// A fleet budget reset whose database connection is terminated mid-transaction (an operator's
// pg_terminate_backend, a failover, DROP DATABASE … FORCE) fails with that error and nothing
// else: the checked-out connection must not raise an unhandled 'error' that ends the supervisor.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { resetSpendIn } from "../../../src/store/postgres/fleet-budget-reset.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { testDatabase } from "../../helpers/postgres.js";

const unhandled: unknown[] = [];
const record = (error: unknown): void => {
  unhandled.push(error);
};

afterEach(() => {
  process.off("uncaughtException", record);
});

describe("a fleet budget reset on a connection the server terminates", () => {
  it("rejects with the server's error and leaves no unhandled error behind", async () => {
    const url = await testDatabase();
    const store = await PostgresStore.open(url, { retention: false });
    await store.close();
    const seed = new pg.Client({ connectionString: url });
    await seed.connect();
    const watch = new pg.Client({ connectionString: url });
    await watch.connect();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on("error", () => undefined);
    process.on("uncaughtException", record);
    try {
      await seed.query("INSERT INTO budgets (scope, spent_micros, updated_at) VALUES ('global', 500, 0) ON CONFLICT (scope) DO UPDATE SET spent_micros = 500");
      // Hold the row, so the reset waits inside its transaction on SELECT … FOR UPDATE.
      await seed.query("BEGIN");
      await seed.query("SELECT scope FROM budgets WHERE scope = 'global' FOR UPDATE");
      // Settled into a value at once: its rejection may come before the assertion below looks at it.
      const reset = resetSpendIn(pool, { all: true }).then(
        () => null,
        (error: unknown) => error,
      );
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i += 1) {
        // Another connection: inside seed's transaction pg_stat_activity would stay as first read.
        const { rows } = await watch.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'");
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      expect(pid).toBeDefined();
      await watch.query("SELECT pg_terminate_backend($1)", [pid]);
      expect(String(await reset)).toMatch(/terminat/i);
      await seed.query("ROLLBACK");
      // Give a late 'error' event its turn to surface.
      await new Promise((r) => setTimeout(r, 200));
      expect(unhandled).toEqual([]);
      // The pool works again: a broken connection was not handed back to it.
      expect(await resetSpendIn(pool, { all: true })).toEqual([{ scope: "global", spent: 500 }]);
    } finally {
      await seed.end();
      await watch.end();
      await pool.end();
    }
  });
});
