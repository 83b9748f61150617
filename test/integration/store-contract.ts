// The contract every Store keeps, told once and run against SQLite and PostgreSQL: what the
// supervisor and the policies rely on must not change with the backend.
import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import type { IronEvent } from "../../src/events/types.js";
import type { ReserveResult } from "../../src/policy/budget-ledger.js";
import type { Store } from "../../src/store/store.js";
import { callEvents, deniedCallEvents, stateEvent } from "../helpers/events.js";

/** A store under test, with how to wait for its background writes. */
export interface ContractStore {
  readonly store: Store;
  /** Resolves once everything appended or settled so far is durable. */
  drain(): Promise<void>;
  /** Reserves as a policy does; a fleet store may first borrow a slice of the budget. */
  reserve(callId: string, scopes: readonly string[], micros: number): Promise<ReserveResult>;
  /** Opens the same state again (a restart). */
  readonly open: () => Promise<ContractStore>;
}

/** Runs the store contract against stores made by `make` (each call: a fresh, empty store). */
export function storeContract(name: string, make: () => Promise<ContractStore>): void {
  describe(`Store contract (${name})`, () => {
    it("reserves in every scope or in none, settles the real cost, releases holds", async () => {
      const { store, reserve, drain } = await make();
      const ledger = store.budgets;
      ledger.setLimit("global", 100);
      expect(await reserve("c1", ["global", "agent:a"], 60)).toEqual({ ok: true });
      expect(ledger.remaining("global")).toBe(40);
      expect(await reserve("c2", ["agent:a", "global"], 50)).toMatchObject({ ok: false, scope: "global", limit: 100, requested: 50 });
      expect(ledger.balances().find((b) => b.scope === "agent:a")).toEqual({ scope: "agent:a", limit: null, spent: 0, reserved: 60 });
      expect(await reserve("c3", ["agent:a"], 1000)).toEqual({ ok: true });
      expect(ledger.settle("c1", 25)).toEqual([
        { scope: "global", limit: 100, spent: 25, reserved: 0 },
        { scope: "agent:a", limit: null, spent: 25, reserved: 1000 },
      ]);
      expect(ledger.release("c3")).toEqual([{ scope: "agent:a", limit: null, spent: 25, reserved: 0 }]);
      expect(ledger.settle("never-reserved", 5)).toEqual([]);
      expect(ledger.settle("c1", 25)).toEqual([]);
      expect([ledger.spent("global"), ledger.limit("global"), ledger.remaining("global"), ledger.remaining("agent:a")]).toEqual([25, 100, 75, null]);
      await drain();
      await store.close();
    });

    it("keeps spend across a restart", async () => {
      const first = await make();
      first.store.budgets.setLimit("global", 1_000_000);
      expect(await first.reserve("c1", ["global"], 300)).toEqual({ ok: true });
      first.store.budgets.settle("c1", 120);
      await first.drain();
      await first.store.close();
      const next = await first.open();
      next.store.budgets.setLimit("global", 1_000_000);
      expect(await next.reserve("c2", ["global"], 10)).toEqual({ ok: true });
      expect(next.store.budgets.spent("global")).toBe(120);
      await next.store.close();
    });

    it("delivers events in seq order only once committed, and answers calls, events and breakers", async () => {
      const { store, drain } = await make();
      const bus = new EventBus(store.sink, Date.now, store.scrubber);
      const seen: number[] = [];
      bus.subscribe((e) => seen.push(e.seq));
      const inputs = [
        stateEvent("a", "starting", "running"),
        ...callEvents("a", "c1", 33, "gpt-4o"),
        ...deniedCallEvents("a", "c2"),
        { type: "breaker.state", provider: "openai", model: "gpt-4o", from: "closed", to: "open", reason: "5 failures in 10s", cooldownMs: 30_000 },
      ] as const;
      const first = bus.publish(inputs[0]).seq;
      for (const input of inputs.slice(1)) bus.publish(input);
      expect(seen).toEqual([]); // nothing is seen before the batch commits
      await drain();
      expect(seen).toEqual(inputs.map((_, i) => first + i));
      expect(store.lastCommitted()).toBe(first + inputs.length - 1);
      expect(store.eventsAfter(first + 1, 2)?.map((e: IronEvent) => e.type)).toEqual(["llm.decision", "llm.response"]);
      expect(store.callEvents("c2")?.map((e) => e.type)).toEqual(["llm.request", "llm.decision"]);
      const calls = store.recentCalls(10);
      expect(calls.map((c) => [c.callId, c.decision, c.status, c.inputTokens, c.outputTokens, c.costMicros, c.code])).toEqual([
        ["c1", "allow", 200, 5, 7, 33, null],
        ["c2", "deny", 402, 0, 0, 0, "IRON_ERR_BUDGET"],
      ]);
      expect(store.recentCalls(1).map((c) => c.callId)).toEqual(["c2"]);
      expect(store.breakers()).toEqual([{ provider: "openai", model: "gpt-4o", state: "open", since: expect.any(Number), reason: "5 failures in 10s" }]);
      bus.close();
      await store.close();
    });

    it("keeps scope names scrubbed, so an e-mail used as a budget scope is never stored", async () => {
      const { store, reserve } = await make();
      store.budgets.setLimit("user:dora@example.com", 50);
      expect(await reserve("c1", ["user:dora@example.com"], 20)).toEqual({ ok: true });
      expect(store.budgets.remaining("user:dora@example.com")).toBe(30);
      expect(store.budgets.balances()[0]?.scope).toMatch(/^user:\[redacted:email:[0-9a-f]{12}\]$/);
      await store.close();
    });
  });
}
