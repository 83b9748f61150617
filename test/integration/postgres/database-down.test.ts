// PostgreSQL stopped under a running fleet store: calls go on being decided from the budget
// slice already held, then are denied with IRON_ERR_STORE (fail closed); once the server is
// back the store recovers by itself and no call record is lost.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../../src/events/bus.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { callEvents } from "../../helpers/events.js";
import { patiently } from "../../helpers/patiently.js";
import { createTestDatabase, startOwnPostgresServer, type OwnPostgresServer } from "../../helpers/postgres-server.js";

let server: OwnPostgresServer;
beforeAll(async () => {
  server = await startOwnPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("the fleet database stopped mid-load", () => {
  it("decides from held slices, then denies with IRON_ERR_STORE, and recovers unaided when it is back", async () => {
    const url = await createTestDatabase(server.url);
    const store = await PostgresStore.open(url, { leases: { ttlMs: 60_000, waitMs: 300 } });
    const bus = new EventBus(store.sink, Date.now, store.scrubber);
    const delivered: number[] = [];
    bus.subscribe((e) => delivered.push(e.seq));
    try {
      store.budgets.setLimit("global", 1_000_000);
      expect(await store.budgets.acquire("warm", ["global"], 1000)).toEqual({ ok: true });
      store.budgets.settle("warm", 1000);
      await store.drain();
      const slice = store.budgets.leaseOf("global");
      expect(slice).toBeGreaterThan(1000);

      await server.pause();
      let allowedWhileDown = 0;
      let refusal: unknown = null;
      for (let i = 0; i < 1000 && refusal === null; i += 1) {
        try {
          const held = await store.budgets.acquire(`down-${i}`, ["global"], 1000);
          if (!held.ok) throw new Error(`refused as over budget: ${JSON.stringify(held)}`);
          allowedWhileDown += 1;
          store.budgets.settle(`down-${i}`, 1000);
          for (const input of callEvents("a", `down-${i}`, 1000)) bus.publish(input);
        } catch (error) {
          refusal = error;
        }
      }
      expect(allowedWhileDown).toBe(Math.floor(slice / 1000));
      expect(refusal).toMatchObject({ code: "IRON_ERR_STORE" });

      await server.resume();
      await patiently(async () => (await store.budgets.acquire(`after-${Date.now()}`, ["global"], 1000)).ok).toBe(true);
      await store.drain();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const calls = (await client.query("SELECT count(*)::int AS n FROM calls WHERE call_id LIKE 'down-%'")).rows[0];
        expect(calls).toEqual({ n: allowedWhileDown });
        const settled = (await client.query("SELECT count(*)::int AS n FROM settled WHERE call_id LIKE 'down-%'")).rows[0];
        expect(settled).toEqual({ n: allowedWhileDown });
      } finally {
        await client.end();
      }
      expect(delivered).toHaveLength(allowedWhileDown * 3);
    } finally {
      bus.close();
      await store.close();
    }
  });

  it("does not hold a closing supervisor forever when the database stays away", async () => {
    const url = await createTestDatabase(server.url);
    const store = await PostgresStore.open(url, { closeWaitMs: 500 });
    const bus = new EventBus(store.sink, Date.now, store.scrubber);
    await server.pause();
    try {
      bus.publish({ type: "supervisor.stopping", reason: "test" });
      await store.close();
      expect(store.lastError).toMatchObject({ code: "IRON_ERR_STORE" });
    } finally {
      await server.resume();
    }
  });
});
