// Protects the budget holds' group commit: the holds of decisions taken in one turn of the event
// loop reach the file together, and only then does `holdsDurable()` let their decisions be
// answered; a hold the file cannot take fails the store, and the waiting decisions hear of it
// (IRON_ERR_STORE) instead of being allowed.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isIronError } from "../../src/errors.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempDir } from "../helpers/iron.js";

const holdsIn = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare<[], { call_id: string }>("SELECT call_id FROM holds ORDER BY call_id")
      .all()
      .map((r) => r.call_id);
  } finally {
    db.close();
  }
};

describe("budget holds", () => {
  it("are committed together for the decisions of one turn, and durable when holdsDurable() resolves", async () => {
    const path = join(tempDir("iron-holds-"), "state.db");
    const store = SqliteStore.open(path);
    try {
      store.budgets.setLimit("global", 1000);
      expect(store.holdsDurable()).toBeNull(); // nothing waits
      for (const id of ["c1", "c2", "c3"]) expect(store.budgets.reserve(id, ["global", "agent:a"], 100)).toEqual({ ok: true });
      expect(store.budgets.reserve("c4", ["global"], 800)).toMatchObject({ ok: false }); // the limit counts holds not yet on disk
      const durable = store.holdsDurable();
      expect(durable).not.toBeNull();
      expect(holdsIn(path)).toEqual([]); // not on disk before the turn is over
      await durable;
      expect(holdsIn(path)).toEqual(["c1", "c2", "c3"]);
      expect(store.holdsDurable()).toBeNull();
      store.budgets.settle("c1", 40);
      store.sink.flush();
      expect(holdsIn(path)).toEqual(["c2", "c3"]);
      // A settle of a hold still waiting for its commit writes the hold first, then undoes it.
      store.budgets.reserve("c5", ["global"], 100);
      store.budgets.release("c5");
      store.sink.flush();
      expect(holdsIn(path)).toEqual(["c2", "c3"]);
      expect([store.budgets.spent("global"), store.budgets.reserved("global")]).toEqual([40, 200]);
    } finally {
      store.close();
    }
  });

  it("reject the waiting decisions with IRON_ERR_STORE when the file cannot take them, and fail the store", async () => {
    const path = join(tempDir("iron-holds-"), "state.db");
    const store = SqliteStore.open(path);
    const locker = new Database(path, { timeout: 0 });
    try {
      store.budgets.setLimit("global", 1000);
      store.budgets.reserve("c1", ["global"], 100);
      const durable = store.holdsDurable();
      locker.prepare("BEGIN IMMEDIATE").run(); // another process holds the write lock past the busy timeout
      const error = await durable?.then(
        () => null,
        (e: unknown) => e,
      );
      expect(isIronError(error, "IRON_ERR_STORE")).toBe(true);
      expect(store.failure?.code).toBe("IRON_ERR_STORE");
      locker.prepare("ROLLBACK").run();
      expect(holdsIn(path)).toEqual([]);
    } finally {
      locker.close();
      store.close();
    }
  });
});
