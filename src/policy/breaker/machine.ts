// A circuit breaker for one provider+model as an XState machine: no I/O, time only from
// event timestamps and the actor's clock (a SimulatedClock in tests).
//
// - `closed`: calls go out; consecutive failures, or a failure rate over a minimum number
//   of calls in a sliding window, trip it.
// - `open`: calls are refused (or rerouted) until the cooldown ends — the configured one,
//   longer when the provider sent Retry-After, doubling each time a probe fails again.
// - `halfOpen`: a limited number of probe calls go out; when they all succeed the breaker
//   closes, when one fails it opens again.
// - RESET (an operator, from the dashboard or `sup.resetBreaker()`) closes it from any state
//   and forgets its failures, its reopenings and its probes.
import { assign, setup } from "xstate";

/** How a breaker trips and recovers. */
export interface BreakerSettings {
  /** Trip after this many failures in a row (0 = never on this rule). */
  readonly consecutiveFailures: number;
  /** Trip when failures / calls in the window reach this fraction (with at least `minimumCalls`). */
  readonly failureRate: number;
  readonly minimumCalls: number;
  readonly windowMs: number;
  /** How long the breaker stays open the first time. */
  readonly cooldownMs: number;
  /** The longest cooldown, whatever Retry-After or repeated trips ask for. */
  readonly maxCooldownMs: number;
  /** Probe calls let through while half-open; all must succeed to close. */
  readonly halfOpenProbes: number;
  /** A probe that has not reported back after this long no longer holds its slot. */
  readonly probeLeaseMs: number;
}

/** Events: outcomes of calls, and a probe going out. `at` is the engine's clock. */
export type BreakerEvent =
  /** `count` successes that all ended in the window slice of `at` (default 1). */
  | { readonly type: "SUCCESS"; readonly at: number; readonly count?: number }
  | { readonly type: "FAILURE"; readonly at: number; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly type: "PROBE"; readonly at: number }
  /** An operator forces the breaker closed (its history is forgotten). */
  | { readonly type: "RESET"; readonly reason: string }
  /** Another supervisor of the fleet opened it: open for the cooldown it has left. */
  | { readonly type: "FOLLOW_OPEN"; readonly at: number; readonly cooldownMs: number; readonly reason: string };

export interface BreakerContext {
  readonly settings: BreakerSettings;
  /** Failures in a row. */
  readonly consecutive: number;
  /** Outcome counts inside the window, in time slices of a tenth of it (oldest first). */
  readonly outcomes: readonly Slice[];
  /** Times this breaker reopened from half-open without closing in between. */
  readonly reopenings: number;
  readonly cooldownMs: number;
  /** When the breaker last opened (engine clock), or null. */
  readonly openedAt: number | null;
  /** Start times of probes in flight (half-open). */
  readonly probes: readonly number[];
  readonly probeSuccesses: number;
  /** Why the breaker is in its state, for events and denials. */
  readonly reason: string;
}

/** Calls and failures that ended within one slice of the window. */
export interface Slice {
  readonly start: number;
  readonly calls: number;
  readonly failures: number;
}

/** The start of the window slice (a tenth of the window) that time `at` falls in. */
export function sliceStart(settings: BreakerSettings, at: number): number {
  const width = Math.max(1, settings.windowMs / 10);
  return at - (at % width);
}

// The slices still inside the window ending at `at`, with `count` new outcomes counted: O(1) per call.
function windowed(context: BreakerContext, at: number, ok: boolean, count = 1): BreakerContext["outcomes"] {
  const width = Math.max(1, context.settings.windowMs / 10);
  const start = sliceStart(context.settings, at);
  const kept = context.outcomes.filter((s) => s.start + width > at - context.settings.windowMs);
  const last = kept.at(-1);
  if (last !== undefined && last.start === start) {
    return [...kept.slice(0, -1), { start, calls: last.calls + count, failures: last.failures + (ok ? 0 : count) }];
  }
  return [...kept, { start, calls: count, failures: ok ? 0 : count }];
}

// Would this failure trip a closed breaker? Returns why, or null.
export function tripReason(context: BreakerContext, at: number): string | null {
  const s = context.settings;
  if (s.consecutiveFailures > 0 && context.consecutive + 1 >= s.consecutiveFailures) return `${context.consecutive + 1} consecutive failures`;
  let calls = 0;
  let failures = 0;
  for (const slice of windowed(context, at, false)) {
    calls += slice.calls;
    failures += slice.failures;
  }
  if (s.failureRate > 0 && calls >= s.minimumCalls && failures / calls >= s.failureRate) {
    return `${failures} of the last ${calls} calls failed within ${Math.round(s.windowMs / 1000)}s`;
  }
  return null;
}

// The cooldown after a failure: base × 2^reopenings, at least Retry-After, at most the cap.
function cooldownAfter(context: BreakerContext, retryAfterMs: number | undefined): number {
  const s = context.settings;
  const backoff = s.cooldownMs * 2 ** Math.min(context.reopenings, 16);
  return Math.min(s.maxCooldownMs, Math.max(backoff, retryAfterMs ?? 0));
}

type Failure = Extract<BreakerEvent, { type: "FAILURE" }>;

/** The breaker machine; create one actor per provider+model with `input: settings`. */
export const breakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerSettings,
  },
  delays: {
    cooldown: ({ context }) => context.cooldownMs,
  },
  guards: {
    trips: ({ context, event }) => tripReason(context, (event as Failure).at) !== null,
    probeSlotFree: ({ context, event }) => context.probes.filter((t) => t > (event as { at: number }).at - context.settings.probeLeaseMs).length < context.settings.halfOpenProbes,
    lastProbe: ({ context }) => context.probeSuccesses + 1 >= context.settings.halfOpenProbes,
  },
  actions: {
    recordSuccess: assign(({ context, event }) => {
      const e = event as Extract<BreakerEvent, { type: "SUCCESS" }>;
      return { consecutive: 0, outcomes: windowed(context, e.at, true, e.count ?? 1) };
    }),
    recordFailure: assign(({ context, event }) => ({ consecutive: context.consecutive + 1, outcomes: windowed(context, (event as { at: number }).at, false) })),
    trip: assign(({ context, event }) => {
      const e = event as Failure;
      return { cooldownMs: cooldownAfter(context, e.retryAfterMs), openedAt: e.at, reason: `${tripReason(context, e.at) ?? "failures"}; last: ${e.reason}` };
    }),
    reopen: assign(({ context, event }) => {
      const e = event as Failure;
      const reopened = { ...context, reopenings: context.reopenings + 1 };
      return { reopenings: reopened.reopenings, cooldownMs: cooldownAfter(reopened, e.retryAfterMs), openedAt: e.at, reason: `probe failed: ${e.reason}` };
    }),
    startProbing: assign({ probes: [], probeSuccesses: 0, reason: "cooldown over; probing" }),
    takeProbe: assign(({ context, event }) => ({ probes: [...context.probes, (event as { at: number }).at] })),
    countProbe: assign(({ context }) => ({ probeSuccesses: context.probeSuccesses + 1 })),
    reset: assign({ consecutive: 0, outcomes: [], reopenings: 0, openedAt: null, probes: [], probeSuccesses: 0, reason: "probes succeeded" }),
    followOpen: assign(({ event }) => {
      const e = event as Extract<BreakerEvent, { type: "FOLLOW_OPEN" }>;
      return { cooldownMs: Math.max(0, e.cooldownMs), openedAt: e.at, probes: [], probeSuccesses: 0, reason: e.reason };
    }),
    forceClosed: assign(({ context, event }) => ({
      consecutive: 0,
      outcomes: [],
      reopenings: 0,
      cooldownMs: context.settings.cooldownMs,
      openedAt: null,
      probes: [],
      probeSuccesses: 0,
      reason: event.type === "RESET" ? event.reason : "reset",
    })),
  },
}).createMachine({
  id: "breaker",
  initial: "closed",
  on: { RESET: { target: ".closed", actions: "forceClosed" }, FOLLOW_OPEN: { target: ".open", reenter: true, actions: "followOpen" } },
  context: ({ input }) => ({
    settings: input,
    consecutive: 0,
    outcomes: [],
    reopenings: 0,
    cooldownMs: input.cooldownMs,
    openedAt: null,
    probes: [],
    probeSuccesses: 0,
    reason: "no failures",
  }),
  states: {
    closed: {
      on: {
        SUCCESS: { actions: "recordSuccess" },
        FAILURE: [{ guard: "trips", target: "open", actions: ["trip", "recordFailure"] }, { actions: "recordFailure" }],
      },
    },
    open: {
      after: { cooldown: { target: "halfOpen" } },
    },
    halfOpen: {
      entry: "startProbing",
      on: {
        PROBE: { guard: "probeSlotFree", actions: "takeProbe" },
        SUCCESS: [{ guard: "lastProbe", target: "closed", actions: "reset" }, { actions: "countProbe" }],
        FAILURE: { target: "open", actions: "reopen" },
      },
    },
  },
});

/** The states a breaker can be in. */
export type BreakerState = "closed" | "open" | "halfOpen";
