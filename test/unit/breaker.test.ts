// Protects the circuit breaker machine and board on a simulated clock: tripping on
// consecutive failures and on a failure rate, the cooldown (with Retry-After and backoff),
// half-open probes that close or reopen it, and the state changes it reports.
import { SimulatedClock, createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { BreakerBoard, type BreakerChange } from "../../src/policy/breaker/board.js";
import { breakerMachine, type BreakerSettings } from "../../src/policy/breaker/machine.js";

const SETTINGS: BreakerSettings = {
  consecutiveFailures: 3,
  failureRate: 0.5,
  minimumCalls: 6,
  windowMs: 60_000,
  cooldownMs: 10_000,
  maxCooldownMs: 60_000,
  halfOpenProbes: 2,
  probeLeaseMs: 30_000,
};

function board(settings: Partial<BreakerSettings> = {}): { board: BreakerBoard; clock: SimulatedClock; changes: BreakerChange[] } {
  const clock = new SimulatedClock();
  const changes: BreakerChange[] = [];
  return { board: new BreakerBoard({ ...SETTINGS, ...settings }, clock, (c) => changes.push(c)), clock, changes };
}

const fail = (b: BreakerBoard, at: number, retryAfterMs?: number): void => b.record("openai", "gpt-4o", { ok: false, at, reason: "HTTP 500", ...(retryAfterMs !== undefined && { retryAfterMs }) });
const succeed = (b: BreakerBoard, at: number): void => b.record("openai", "gpt-4o", { ok: true, at });

describe("breaker machine", () => {
  it("trips after N consecutive failures; a success in between resets the count", () => {
    const { board: b } = board();
    fail(b, 0);
    fail(b, 1);
    succeed(b, 2);
    fail(b, 3);
    fail(b, 4);
    expect(b.state("openai", "gpt-4o")).toBe("closed");
    fail(b, 5);
    expect(b.state("openai", "gpt-4o")).toBe("open");
    expect(b.admit("openai", "gpt-4o", 5)).toMatchObject({ ok: false, state: "open", retryAfterMs: 10_000 });
  });

  it("trips on the failure rate only once the window holds the minimum number of calls", () => {
    const { board: b } = board({ consecutiveFailures: 0 });
    for (let i = 0; i < 4; i += 1) {
      succeed(b, i * 10);
      if (i < 2) fail(b, i * 10 + 5);
    }
    // 6 calls, 2 failures: 33 % < 50 %.
    expect(b.state("openai", "gpt-4o")).toBe("closed");
    fail(b, 100);
    expect(b.state("openai", "gpt-4o")).toBe("closed"); // 3 of 7 = 43 %
    fail(b, 110);
    expect(b.state("openai", "gpt-4o")).toBe("open"); // 4 of 8 = 50 %
  });

  it("counts batched successes of a closed breaker exactly, across window slices", () => {
    // Successes reach the machine as one event per slice (6 s here): the failure rate must see every one.
    const { board: b } = board({ consecutiveFailures: 0, minimumCalls: 4 });
    for (let i = 0; i < 5; i += 1) succeed(b, 1_000 + i); // slice 0
    for (let i = 0; i < 3; i += 1) succeed(b, 7_000 + i); // slice 1
    for (let i = 0; i < 7; i += 1) fail(b, 8_000 + i);
    expect(b.state("openai", "gpt-4o")).toBe("closed"); // 7 of 15 = 47 %
    fail(b, 8_100);
    expect(b.state("openai", "gpt-4o")).toBe("open"); // 8 of 16 = 50 %
  });

  it("a success still clears the consecutive count before the next failure", () => {
    const { board: b } = board({ consecutiveFailures: 2, failureRate: 0 });
    fail(b, 0);
    succeed(b, 1);
    succeed(b, 2);
    fail(b, 3);
    expect(b.state("openai", "gpt-4o")).toBe("closed");
    fail(b, 4);
    expect(b.state("openai", "gpt-4o")).toBe("open");
  });

  it("an operator's reset forgets successes the machine has not seen yet", () => {
    const { board: b } = board({ consecutiveFailures: 0, minimumCalls: 4 });
    fail(b, 0);
    for (let i = 1; i <= 6; i += 1) succeed(b, i);
    b.reset("openai", "gpt-4o", "operator");
    fail(b, 10);
    fail(b, 11);
    fail(b, 12);
    expect(b.state("openai", "gpt-4o")).toBe("closed"); // 3 calls < minimum 4
    fail(b, 13);
    expect(b.state("openai", "gpt-4o")).toBe("open"); // 4 of 4 after the reset
  });

  it("forgets outcomes older than the window", () => {
    const { board: b } = board({ consecutiveFailures: 0, minimumCalls: 2, failureRate: 1 });
    fail(b, 0);
    succeed(b, 1);
    fail(b, 70_000);
    expect(b.state("openai", "gpt-4o")).toBe("closed"); // only one call in the window… so far
    fail(b, 70_001);
    expect(b.state("openai", "gpt-4o")).toBe("open");
  });

  it("half-opens after the cooldown, lets a limited number of probes through, and closes when they succeed", () => {
    const { board: b, clock, changes } = board();
    for (let i = 0; i < 3; i += 1) fail(b, 0);
    clock.increment(9_999);
    expect(b.state("openai", "gpt-4o")).toBe("open");
    clock.increment(1);
    expect(b.state("openai", "gpt-4o")).toBe("halfOpen");
    const now = clock.now();
    expect(b.admit("openai", "gpt-4o", now)).toEqual({ ok: true, probe: true });
    expect(b.admit("openai", "gpt-4o", now)).toEqual({ ok: true, probe: true });
    expect(b.admit("openai", "gpt-4o", now)).toMatchObject({ ok: false, state: "halfOpen" });
    succeed(b, now + 1);
    expect(b.state("openai", "gpt-4o")).toBe("halfOpen");
    succeed(b, now + 2);
    expect(b.state("openai", "gpt-4o")).toBe("closed");
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(["closed->open", "open->halfOpen", "halfOpen->closed"]);
    expect(changes[0]).toMatchObject({ provider: "openai", model: "gpt-4o", cooldownMs: 10_000 });
    expect(changes[0]?.reason).toMatch(/3 consecutive failures; last: HTTP 500/);
  });

  it("reopens when a probe fails, with a doubled cooldown, and honours a longer Retry-After", () => {
    const { board: b, clock } = board();
    for (let i = 0; i < 3; i += 1) fail(b, 0);
    clock.increment(10_000);
    b.admit("openai", "gpt-4o", clock.now());
    fail(b, clock.now());
    expect(b.state("openai", "gpt-4o")).toBe("open");
    expect(b.admit("openai", "gpt-4o", clock.now())).toMatchObject({ ok: false, retryAfterMs: 20_000 });
    clock.increment(20_000);
    b.admit("openai", "gpt-4o", clock.now());
    fail(b, clock.now(), 45_000); // backoff says 40 s, the provider says 45 s
    expect(b.admit("openai", "gpt-4o", clock.now())).toMatchObject({ ok: false, retryAfterMs: 45_000 });
    clock.increment(45_000);
    b.admit("openai", "gpt-4o", clock.now());
    fail(b, clock.now(), 600_000); // capped at max_cooldown
    expect(b.admit("openai", "gpt-4o", clock.now())).toMatchObject({ ok: false, retryAfterMs: 60_000 });
  });

  it("frees the probe slot of a probe that never reports back", () => {
    const { board: b, clock } = board({ halfOpenProbes: 1 });
    for (let i = 0; i < 3; i += 1) fail(b, 0);
    clock.increment(10_000);
    expect(b.admit("openai", "gpt-4o", clock.now()).ok).toBe(true);
    expect(b.admit("openai", "gpt-4o", clock.now() + 29_999).ok).toBe(false);
    expect(b.admit("openai", "gpt-4o", clock.now() + 30_001).ok).toBe(true);
  });

  it("closes on an operator's reset from open or half-open, forgetting failures and the doubled cooldown", () => {
    const { board: b, clock, changes } = board({ consecutiveFailures: 1, halfOpenProbes: 1 });
    expect(b.reset("openai", "gpt-4o", "reset by an operator")).toBe(false); // no breaker yet: nothing to reset
    fail(b, clock.now());
    clock.increment(10_000);
    b.admit("openai", "gpt-4o", clock.now());
    fail(b, clock.now()); // a failed probe: reopened with a 20 s cooldown
    expect(b.admit("openai", "gpt-4o", clock.now())).toMatchObject({ ok: false, retryAfterMs: 20_000 });
    expect(b.reset("openai", "gpt-4o", "reset by an operator")).toBe(true);
    expect(b.state("openai", "gpt-4o")).toBe("closed");
    expect(changes.at(-1)).toEqual({ provider: "openai", model: "gpt-4o", from: "open", to: "closed", reason: "reset by an operator", cooldownMs: null });
    expect(b.admit("openai", "gpt-4o", clock.now())).toEqual({ ok: true, probe: false });
    fail(b, clock.now()); // trips again, with the base cooldown: the reopenings were forgotten
    expect(b.admit("openai", "gpt-4o", clock.now())).toMatchObject({ ok: false, retryAfterMs: 10_000 });
    clock.increment(10_000);
    expect(b.state("openai", "gpt-4o")).toBe("halfOpen");
    b.reset("openai", "gpt-4o", "again");
    expect(changes.at(-1)).toMatchObject({ from: "halfOpen", to: "closed", reason: "again" });
    const before = changes.length;
    b.reset("openai", "gpt-4o", "closed already");
    expect(changes.length).toBe(before); // no change, no report
  });

  it("keeps breakers per provider and model", () => {
    const { board: b } = board();
    for (let i = 0; i < 3; i += 1) fail(b, 0);
    expect(b.admit("openai", "gpt-4o-mini", 0).ok).toBe(true);
    expect(b.admit("azure", "gpt-4o", 0).ok).toBe(true);
    expect(b.list()).toEqual([{ provider: "openai", model: "gpt-4o", state: "open" }]);
    b.stop();
  });

  it("follows another supervisor's open breaker for the cooldown it has left, then probes as usual", () => {
    const { board: b, clock, changes } = board();
    b.followOpen("openai", "gpt-4o", clock.now(), 4000, "opened by supervisor 2");
    expect(b.admit("openai", "gpt-4o", clock.now())).toMatchObject({ ok: false, state: "open", retryAfterMs: 4000, reason: "opened by supervisor 2" });
    expect(changes.at(-1)).toMatchObject({ from: "closed", to: "open", cooldownMs: 4000 });
    clock.increment(3000);
    b.followOpen("openai", "gpt-4o", clock.now(), 5000, "reopened by supervisor 2"); // a newer opening restarts the cooldown
    clock.increment(4000);
    expect(b.state("openai", "gpt-4o")).toBe("open");
    clock.increment(1000);
    expect(b.state("openai", "gpt-4o")).toBe("halfOpen");
    expect(b.admit("openai", "gpt-4o", clock.now())).toEqual({ ok: true, probe: true });
    b.stop();
  });

  it("is a plain XState machine: the same transitions without the board", () => {
    const clock = new SimulatedClock();
    const actor = createActor(breakerMachine, { input: SETTINGS, clock }).start();
    for (let i = 0; i < 3; i += 1) actor.send({ type: "FAILURE", at: 0, reason: "x" });
    expect(actor.getSnapshot().value).toBe("open");
    clock.increment(10_000);
    expect(actor.getSnapshot().value).toBe("halfOpen");
    actor.stop();
  });
});
