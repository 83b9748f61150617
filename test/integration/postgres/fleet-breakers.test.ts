// Three supervisors' breaker boards on one real PostgreSQL server act as one breaker: opened by
// one, open on all; after the cooldown exactly one supervisor holds the half-open probe; its
// success closes the breaker everywhere; an operator's reset on one closes it on all.
import { describe, expect, it } from "vitest";
import { systemBreakerClock, type BreakerBoard, type BreakerChange } from "../../../src/policy/breaker/board.js";
import type { BreakerSettings } from "../../../src/policy/breaker/machine.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { patiently } from "../../helpers/patiently.js";
import { testDatabase } from "../../helpers/postgres.js";

const SETTINGS: BreakerSettings = {
  consecutiveFailures: 3,
  failureRate: 0,
  minimumCalls: 10,
  windowMs: 60_000,
  cooldownMs: 600,
  maxCooldownMs: 60_000,
  halfOpenProbes: 1,
  probeLeaseMs: 30_000,
};

const fail = (b: BreakerBoard): void => b.record("openai", "gpt-4o", { ok: false, at: Date.now(), reason: "HTTP 500" });

describe("a fleet's circuit breakers", () => {
  it("open on every supervisor when one trips, let one supervisor probe, and close everywhere on its success", async () => {
    const url = await testDatabase();
    const fleet = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url)));
    const changes: BreakerChange[][] = fleet.map(() => []);
    const boards = fleet.map((store, i) => store.breakerBoard(SETTINGS, systemBreakerClock, (c) => changes[i]!.push(c)));
    try {
      for (let i = 0; i < 3; i += 1) fail(boards[0]!);
      expect(boards[0]!.state("openai", "gpt-4o")).toBe("open");
      await patiently(() => boards.map((b) => b.state("openai", "gpt-4o") !== "closed")).toEqual([true, true, true]);
      expect(boards[1]!.admit("openai", "gpt-4o", Date.now())).toMatchObject({ ok: false, reason: expect.stringContaining(`opened by supervisor ${fleet[0]!.supervisorId}`) });

      // Every board goes half-open; one supervisor takes the fleet's probe, the others learn who.
      await patiently(() => boards.map((b) => b.state("openai", "gpt-4o"))).toEqual(["halfOpen", "halfOpen", "halfOpen"]);
      let prober = -1;
      await patiently(() => {
        const admitted = boards.map((b) => b.admit("openai", "gpt-4o", Date.now()).ok);
        prober = admitted.indexOf(true);
        return admitted.filter(Boolean).length;
      }).toBe(1);
      // The others learn who holds it (from its NOTIFY) and send no probe of their own.
      const holds = `half-open: supervisor ${fleet[prober]!.supervisorId} holds the fleet's probe`;
      await patiently(() => boards.filter((_, i) => i !== prober).map((b) => b.admit("openai", "gpt-4o", Date.now()))).toEqual([
        { ok: false, state: "halfOpen", retryAfterMs: 1000, reason: holds },
        { ok: false, state: "halfOpen", retryAfterMs: 1000, reason: holds },
      ]);

      // The holder's probe succeeds: closed on every supervisor.
      const probeBoard = boards[prober]!;
      probeBoard.record("openai", "gpt-4o", { ok: true, at: Date.now() });
      await patiently(() => boards.map((b) => b.state("openai", "gpt-4o"))).toEqual(["closed", "closed", "closed"]);

      // Opened again, then an operator resets it on one supervisor: closed on all.
      for (let i = 0; i < 3; i += 1) fail(boards[2]!);
      await patiently(() => boards.map((b) => b.state("openai", "gpt-4o") === "closed")).toEqual([false, false, false]);
      boards[1]!.reset("openai", "gpt-4o", "operator");
      await patiently(() => boards.map((b) => b.state("openai", "gpt-4o"))).toEqual(["closed", "closed", "closed"]);
      expect(changes[0]!.at(-1)).toMatchObject({ to: "closed", reason: expect.stringContaining("operator") });
    } finally {
      for (const b of boards) b.stop();
      await Promise.all(fleet.map((s) => s.close()));
    }
  });
});
