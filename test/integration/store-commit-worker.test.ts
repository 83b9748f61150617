// Protects the decision path from the store's commits: a batch is written on a worker thread, so
// while it waits (here for a write lock another connection holds) the main thread goes on
// answering — a budget hold is granted, timers run — and nobody sees the batch until it is in.
// And protects an idle supervisor's memory (issue 14 item 5): no worker runs before the first
// batch nor once no batch came for a while, and the next batch starts one and is committed.
import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import type { IronEvent } from "../../src/events/types.js";
import { IDLE_STOP_MS, idleStopAfter, MAX_IDLE_STOP_MS } from "../../src/store/sqlite/sqlite-event-sink.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { callEvents } from "../helpers/events.js";
import { tempDir } from "../helpers/iron.js";

describe("a commit in progress", () => {
  it("does not hold up the main thread: a hold is granted meanwhile, and the batch is delivered once it is committed", async () => {
    const path = join(tempDir("iron-commit-worker-"), "state.db");
    // No pruning: it would take the lock on the main thread at open.
    const store = SqliteStore.open(path, { retention: false });
    const bus = new EventBus(store.sink);
    const delivered: IronEvent[] = [];
    bus.subscribe((event) => delivered.push(event));
    store.budgets.setLimit("global", 1_000_000);

    // Another connection holds the write lock: the batch's commit waits for it.
    const locker = new Database(path);
    locker.prepare("BEGIN IMMEDIATE").run();
    try {
      for (const event of callEvents("agent-a", "call-1", 100)) bus.publish(event);
      bus.drain();
      // Well past the group commit: a commit on the main thread would block it here until the
      // lock's busy timeout (2 s) ran out, and fail the store.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(store.budgets.reserve("call-2", ["global"], 250)).toEqual({ ok: true });
      expect(store.failure).toBeNull();
      expect(delivered).toEqual([]);
      expect(store.lastCommitted()).toBe(0);
    } finally {
      locker.prepare("ROLLBACK").run();
      locker.close();
    }

    store.sink.flush();
    expect(store.failure).toBeNull();
    expect(delivered.map((event) => event.type)).toEqual(callEvents("agent-a", "call-1", 100).map((event) => event.type));
    expect(store.lastCommitted()).toBe(delivered.at(-1)?.seq);
    expect(store.eventsAfter(0, 100)?.map((event) => event.seq)).toEqual(delivered.map((event) => event.seq));
    expect(store.budgets.reserved("global")).toBe(250);
    store.close();
  });

  it("starts with the first batch, ends when idle, and the next batch starts another and is committed", async () => {
    const path = join(tempDir("iron-commit-worker-"), "state.db");
    const store = SqliteStore.open(path, { retention: false });
    const bus = new EventBus(store.sink);
    const delivered: IronEvent[] = [];
    bus.subscribe((event) => delivered.push(event));
    expect(store.sink.workerRunning).toBe(false);

    for (const event of callEvents("agent-a", "call-1", 100)) bus.publish(event);
    bus.drain();
    store.sink.flush();
    expect(store.sink.workerRunning).toBe(true);
    const first = delivered.length;
    expect(first).toBeGreaterThan(0);

    await vi.waitFor(() => expect(store.sink.workerRunning).toBe(false), { timeout: IDLE_STOP_MS * 20, interval: 50 });
    for (const event of callEvents("agent-a", "call-2", 100)) bus.publish(event);
    bus.drain();
    store.sink.flush();
    expect(store.failure).toBeNull();
    expect(delivered.length).toBe(first * 2);
    expect(store.lastCommitted()).toBe(delivered.at(-1)?.seq);
    expect(store.eventsAfter(0, 100)?.map((event) => event.seq)).toEqual(delivered.map((event) => event.seq));
    // Started again after a quiet spell of at least IDLE_STOP_MS: this worker waits twice that spell.
    expect(store.sink.idleStopMs).toBeGreaterThanOrEqual(2 * IDLE_STOP_MS);
    store.close();
  });

  it("waits twice the quiet spell that stopped a worker too early, within a second and a minute", () => {
    expect(idleStopAfter(0)).toBe(IDLE_STOP_MS);
    expect(idleStopAfter(2500)).toBe(5000);
    expect(idleStopAfter(10 * MAX_IDLE_STOP_MS)).toBe(MAX_IDLE_STOP_MS);
  });
});
