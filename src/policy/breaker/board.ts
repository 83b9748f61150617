// One breaker actor per provider+model, created on first use. The board answers "may this
// call go?" (taking a probe slot when half-open), feeds outcomes in, and reports every
// state change to an injected listener (the supervisor turns them into breaker.state events).
import { createActor, type Actor } from "xstate";
import { breakerMachine, sliceStart, type BreakerEvent, type BreakerSettings, type BreakerState } from "./machine.js";

/** The time source of breakers: `now` plus the timers XState schedules cooldowns with. */
export interface BreakerClock {
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** The real clock: wall time, and timers that do not keep the process alive. */
export const systemBreakerClock: BreakerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};

/** A breaker changed state. */
export interface BreakerChange {
  readonly provider: string;
  readonly model: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly reason: string;
  /** While open: milliseconds until it half-opens. */
  readonly cooldownMs: number | null;
}

/** Whether a call may go to a provider+model now. */
export type Admission = { readonly ok: true; readonly probe: boolean } | { readonly ok: false; readonly state: BreakerState; readonly retryAfterMs: number; readonly reason: string };

type BreakerActor = Actor<typeof breakerMachine>;

/** Every breaker of a supervisor. */
export class BreakerBoard {
  readonly #settings: BreakerSettings;
  readonly #clock: BreakerClock;
  readonly #onChange: (change: BreakerChange) => void;
  readonly #actors = new Map<string, BreakerActor>();
  /**
   * Successes of closed breakers not yet fed to their actor. Nearly every response is one, and a
   * machine step each was the costliest part of a response decision: they are counted here and
   * sent as one event per window slice, always before any other event reaches that breaker.
   */
  readonly #pending = new Map<string, { start: number; at: number; count: number }>();

  constructor(settings: BreakerSettings, clock: BreakerClock, onChange: (change: BreakerChange) => void) {
    this.#settings = settings;
    this.#clock = clock;
    this.#onChange = onChange;
  }

  #actor(provider: string, model: string, key = `${provider}\u0000${model}`): BreakerActor {
    let actor = this.#actors.get(key);
    if (actor === undefined) {
      actor = createActor(breakerMachine, { input: this.#settings, clock: this.#clock as never });
      let previous: BreakerState = "closed";
      actor.subscribe((snapshot) => {
        const to = snapshot.value as BreakerState;
        if (to === previous) return;
        const from = previous;
        previous = to;
        this.#onChange({ provider, model, from, to, reason: snapshot.context.reason, cooldownMs: to === "open" ? snapshot.context.cooldownMs : null });
      });
      actor.start();
      this.#actors.set(key, actor);
    }
    return actor;
  }

  // Sends an event to a breaker after the successes it has not seen yet.
  #send(key: string, actor: BreakerActor, event: BreakerEvent): void {
    const pending = this.#pending.get(key);
    if (pending !== undefined) {
      this.#pending.delete(key);
      actor.send({ type: "SUCCESS", at: pending.at, count: pending.count });
    }
    actor.send(event);
  }

  // Counts a success of a closed breaker; a new window slice sends the previous slice's count first.
  #countSuccess(key: string, actor: BreakerActor, at: number): void {
    const start = sliceStart(this.#settings, at);
    const pending = this.#pending.get(key);
    if (pending !== undefined && pending.start === start && at >= pending.at) {
      pending.count += 1;
      pending.at = at;
      return;
    }
    if (pending !== undefined) {
      this.#pending.delete(key);
      actor.send({ type: "SUCCESS", at: pending.at, count: pending.count });
    }
    this.#pending.set(key, { start, at, count: 1 });
  }

  /** The state of a provider+model's breaker (closed when it has none yet). */
  state(provider: string, model: string): BreakerState {
    return (this.#actors.get(`${provider}\u0000${model}`)?.getSnapshot().value as BreakerState | undefined) ?? "closed";
  }

  /** May a call go now? A half-open breaker lets a limited number of probes through. */
  admit(provider: string, model: string, now: number): Admission {
    const actor = this.#actors.get(`${provider}\u0000${model}`);
    if (actor === undefined) return { ok: true, probe: false };
    const snapshot = actor.getSnapshot();
    const state = snapshot.value as BreakerState;
    if (state === "closed") return { ok: true, probe: false };
    const c = snapshot.context;
    if (state === "open") {
      const left = Math.max(0, (c.openedAt ?? now) + c.cooldownMs - now);
      return { ok: false, state, retryAfterMs: left, reason: c.reason };
    }
    const before = actor.getSnapshot().context.probes.length;
    this.#send(`${provider}\u0000${model}`, actor, { type: "PROBE", at: now });
    if (actor.getSnapshot().context.probes.length > before) return { ok: true, probe: true };
    return { ok: false, state, retryAfterMs: 1000, reason: "half-open: probe calls are in flight" };
  }

  /** Feeds a call's outcome to its breaker. */
  record(provider: string, model: string, outcome: { readonly ok: boolean; readonly at: number; readonly reason?: string; readonly retryAfterMs?: number }): void {
    const key = `${provider}\u0000${model}`;
    const actor = this.#actor(provider, model, key);
    if (outcome.ok && actor.getSnapshot().value === "closed") this.#countSuccess(key, actor, outcome.at);
    else if (outcome.ok) this.#send(key, actor, { type: "SUCCESS", at: outcome.at });
    else this.#send(key, actor, { type: "FAILURE", at: outcome.at, reason: outcome.reason ?? "failed", ...(outcome.retryAfterMs !== undefined && { retryAfterMs: outcome.retryAfterMs }) });
  }

  /**
   * Forces a provider+model's breaker closed (an operator's reset); false when it has no
   * breaker yet (it never saw a call, so it is closed already). A state change is reported
   * with `reason` unless it was closed already.
   */
  reset(provider: string, model: string, reason: string): boolean {
    const actor = this.#actors.get(`${provider}\u0000${model}`);
    if (actor === undefined) return false;
    this.#send(`${provider}\u0000${model}`, actor, { type: "RESET", reason });
    return true;
  }

  /** Opens a breaker because another supervisor of the fleet opened it, for the cooldown it has left. */
  followOpen(provider: string, model: string, at: number, cooldownMs: number, reason: string): void {
    this.#send(`${provider}\u0000${model}`, this.#actor(provider, model), { type: "FOLLOW_OPEN", at, cooldownMs, reason });
  }

  /** Every breaker that is not closed, for status displays. */
  list(): { provider: string; model: string; state: BreakerState }[] {
    return [...this.#actors].map(([key, actor]) => {
      const [provider, model] = key.split("\u0000") as [string, string];
      return { provider, model, state: actor.getSnapshot().value as BreakerState };
    });
  }

  /** Stops every actor (and its cooldown timer). */
  stop(): void {
    for (const actor of this.#actors.values()) actor.stop();
    this.#actors.clear();
    this.#pending.clear();
  }
}
