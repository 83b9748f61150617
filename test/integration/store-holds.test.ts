// Protects the budget holds' durability off the decision path: a hold is in the hold journal
// (state.db-holds) when `reserve` answers, reaches the state file with the next batch (before its
// settle), and a supervisor killed at any point is charged each hold it granted exactly once at the
// next start — whether the hold was only journaled, in the file, or settled.
import Database from "better-sqlite3";
import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { FIXTURES, tempDir } from "../helpers/iron.js";

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

const journaled = (path: string): string[] =>
  readFileSync(`${path}-holds`, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as unknown[])[2] as string);

// Starts the fixture supervisor and kills it once its last hold is journaled.
async function killedWithHolds(path: string, churn: number, fixture = "hold_journal.mjs"): Promise<void> {
  const child = execa("node", [join(FIXTURES, fixture), path], { reject: false, env: { CHURN: String(churn) } });
  await new Promise<void>((resolve) => child.stdout?.on("data", (d: Buffer) => String(d).includes("held") && resolve()));
  child.kill("SIGKILL");
  expect((await child).signal).toBe("SIGKILL");
}

describe("budget holds", () => {
  it("are journaled when reserve answers, and reach the file with the next batch, before their settles", () => {
    const path = join(tempDir("iron-holds-"), "state.db");
    const store = SqliteStore.open(path);
    try {
      store.budgets.setLimit("global", 1000);
      for (const id of ["c1", "c2", "c3"]) expect(store.budgets.reserve(id, ["global", "agent:a"], 100)).toEqual({ ok: true });
      expect(store.budgets.reserve("c4", ["global"], 800)).toMatchObject({ ok: false }); // the limit counts holds not yet in the file
      expect(journaled(path)).toEqual(["c1", "c2", "c3"]);
      expect(holdsIn(path)).toEqual([]);
      store.sink.flush();
      expect(holdsIn(path)).toEqual(["c1", "c2", "c3"]);
      store.budgets.settle("c1", 40);
      store.sink.flush();
      expect(holdsIn(path)).toEqual(["c2", "c3"]);
      // A hold released before any batch is written, then undone, in the same batch.
      store.budgets.reserve("c5", ["global"], 100);
      store.budgets.release("c5");
      store.sink.flush();
      expect(holdsIn(path)).toEqual(["c2", "c3"]);
      expect([store.budgets.spent("global"), store.budgets.reserved("global")]).toEqual([40, 200]);
    } finally {
      store.close();
    }
    expect(existsSync(`${path}-holds`)).toBe(false); // a clean stop charged everything: nothing to replay
  });

  it("carved out of a grant's pool are charged once with the pool's rest: the pool holds they replaced never (SPEC 3.4a)", async () => {
    const path = join(tempDir("iron-holds-"), "state.db");
    await killedWithHolds(path, 0, "hold_pool.mjs");
    expect(holdsIn(path)).toEqual(["c-a", "pool:p1#1"]);
    expect(journaled(path)).toEqual(["pool:p1#0", "c-a", "pool:p1#1", "c-b", "pool:p1#2"]);
    const next = SqliteStore.open(path);
    try {
      // c-a (in the file), c-b and the pool's rest (journaled): 100 + 200 + 700; never pool:p1#1 (900) as well.
      expect(next.recovery).toEqual({ lostSupervisors: 1, chargedHolds: 3, chargedMicros: 1000 });
      expect([next.budgets.spent("global"), next.budgets.spent("agent:a"), next.budgets.reserved("global"), next.budgets.reserved("agent:a")]).toEqual([1000, 1000, 0, 0]);
    } finally {
      next.close();
    }
  });

  it("of a killed supervisor are charged once each at the next start: journaled, in the file, or settled", async () => {
    const path = join(tempDir("iron-holds-"), "state.db");
    await killedWithHolds(path, 0);
    expect(holdsIn(path)).toEqual(["c-applied"]);
    expect(journaled(path)).toEqual(["c-settled", "c-applied", "c-journaled"]);
    const next = SqliteStore.open(path);
    try {
      expect(next.recovery).toEqual({ lostSupervisors: 1, chargedHolds: 2, chargedMicros: 500 });
      expect([next.budgets.spent("global"), next.budgets.spent("agent:a"), next.budgets.reserved("global")]).toEqual([540, 540, 0]);
    } finally {
      next.close();
    }
    const again = SqliteStore.open(path); // nothing is charged twice
    try {
      expect(again.recovery).toEqual({ lostSupervisors: 0, chargedHolds: 0, chargedMicros: 0 });
      expect(again.budgets.spent("global")).toBe(540);
    } finally {
      again.close();
    }
  });

  it("are charged once each after the journal was started over", async () => {
    const path = join(tempDir("iron-holds-"), "state.db");
    const churn = 30_000; // about 45 bytes a line: past the 1 MiB after which an applied journal starts over
    await killedWithHolds(path, churn);
    expect(journaled(path)).not.toContain("c-churn-0");
    const next = SqliteStore.open(path);
    try {
      expect(next.recovery).toEqual({ lostSupervisors: 1, chargedHolds: 2, chargedMicros: 500 });
      expect(next.budgets.spent("global")).toBe(churn + 540);
    } finally {
      next.close();
    }
  }, 60_000);

  it("a batch that cannot write the holds fails the store, and the next start charges them from the journal", () => {
    const path = join(tempDir("iron-holds-"), "state.db");
    const store = SqliteStore.open(path);
    const locker = new Database(path, { timeout: 0 });
    try {
      store.budgets.setLimit("global", 1000);
      expect(store.budgets.reserve("c1", ["global"], 100)).toEqual({ ok: true });
      locker.prepare("BEGIN IMMEDIATE").run(); // another process holds the write lock past the busy timeout
      store.sink.flush();
      expect(store.failure?.code).toBe("IRON_ERR_STORE");
      expect(() => store.budgets.reserve("c2", ["global"], 100)).toThrow(/IRON_ERR_STORE|state file/);
      locker.prepare("ROLLBACK").run();
      expect(holdsIn(path)).toEqual([]);
      expect(journaled(path)).toEqual(["c1"]);
    } finally {
      locker.close();
      store.close();
    }
    // This process lives on: its registration is made to look like another process's that died.
    const writer = new Database(path);
    writer.prepare("UPDATE supervisors SET proc_start = -1 WHERE ended_at IS NULL").run();
    writer.close();
    const next = SqliteStore.open(path);
    try {
      expect(next.recovery).toEqual({ lostSupervisors: 1, chargedHolds: 1, chargedMicros: 100 });
      expect(next.budgets.spent("global")).toBe(100);
    } finally {
      next.close();
    }
  });
});
