// An agent's lifecycle options: the user's values → defaults → validation → frozen config.
import { IronError } from "../errors.js";
import type { BackoffConfig } from "./backoff.js";

/** When iron restarts an agent whose process ended on its own. */
export type RestartPolicy = "never" | "on-failure" | "always";

/** What iron does with an agent that stopped sending heartbeats. */
export type HangAction = "report" | "restart";

/** The lifecycle part of `sup.spawn()` options (all optional). */
export interface LifecycleOptions {
  /** `never`, `on-failure` (default: restart after a non-zero exit, a signal or a startup timeout) or `always`. */
  readonly restart?: RestartPolicy;
  /** At most this many restarts within `restartWindowMs`; one more crash and the agent is `failed` (default 5). */
  readonly maxRestarts?: number;
  /** The window restarts are counted in, in milliseconds (default 60000). */
  readonly restartWindowMs?: number;
  /** Delays between restarts (defaults: 500 ms, doubling, at most 30 s, ±20 % jitter). */
  readonly backoff?: Partial<BackoffConfig>;
  /**
   * A process that ends on its own (non-zero code or a signal) sooner than this after it was
   * spawned is a failed start: the agent is `failed` at once, never restarted (default 3000; 0 turns it off).
   */
  readonly minUptimeMs?: number;
  /** After this long in `running`, the backoff starts again from its initial delay (default 10000). */
  readonly stablePeriodMs?: number;
  /** Time the shim has to say hello before the agent counts as crashed (default: the supervisor's, 10000). */
  readonly startupTimeoutMs?: number;
  /** No heartbeat for this long makes a running agent `hung`; 0 turns detection off (default 30000). */
  readonly heartbeatTimeoutMs?: number;
  /** `report` (default): the agent is marked `hung` until heartbeats resume; `restart`: it is killed and restarted by its policy. */
  readonly onHang?: HangAction;
  /** Grace period between the stop signal and SIGKILL, in milliseconds (default 5000). */
  readonly stopTimeoutMs?: number;
}

/** Lifecycle options after defaults and validation. */
export interface LifecycleConfig {
  readonly restart: RestartPolicy;
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  readonly backoff: BackoffConfig;
  readonly minUptimeMs: number;
  readonly stablePeriodMs: number;
  readonly startupTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly onHang: HangAction;
  readonly stopTimeoutMs: number;
}

export const LIFECYCLE_DEFAULTS: LifecycleConfig = Object.freeze({
  restart: "on-failure",
  maxRestarts: 5,
  restartWindowMs: 60_000,
  backoff: Object.freeze({ initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 }),
  minUptimeMs: 3_000,
  stablePeriodMs: 10_000,
  startupTimeoutMs: 10_000,
  heartbeatTimeoutMs: 30_000,
  onHang: "report",
  stopTimeoutMs: 5_000,
});

function bad(path: string, expected: string, got: unknown): never {
  throw new IronError("IRON_ERR_CONFIG", "invalid agent option", { path, expected, got });
}

// Integers of milliseconds or counts, with a floor.
function int(path: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= min) return value;
  return bad(path, `an integer >= ${min}`, value);
}

function oneOf<T extends string>(path: string, value: T | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  return choices.includes(value) ? value : bad(path, choices.map((c) => `"${c}"`).join(" | "), value);
}

/** Validates and freezes lifecycle options; `startupTimeoutMs` falls back to the supervisor's default. */
export function resolveLifecycle(options: LifecycleOptions, defaults: { startupTimeoutMs: number; heartbeatMs: number }): LifecycleConfig {
  const d = LIFECYCLE_DEFAULTS;
  const b = options.backoff ?? {};
  if (typeof b !== "object" || b === null) bad("backoff", "an object { initialMs, maxMs, factor, jitter }", b);
  const initialMs = int("backoff.initialMs", b.initialMs, d.backoff.initialMs, 0);
  const maxMs = int("backoff.maxMs", b.maxMs, Math.max(d.backoff.maxMs, initialMs), 0);
  if (maxMs < initialMs) bad("backoff.maxMs", `at least backoff.initialMs (${initialMs})`, maxMs);
  const factor = b.factor ?? d.backoff.factor;
  if (!(typeof factor === "number" && Number.isFinite(factor) && factor >= 1)) bad("backoff.factor", "a number >= 1", factor);
  const jitter = b.jitter ?? d.backoff.jitter;
  if (!(typeof jitter === "number" && jitter >= 0 && jitter <= 1)) bad("backoff.jitter", "a number from 0 to 1", jitter);
  const heartbeatTimeoutMs = int("heartbeatTimeoutMs", options.heartbeatTimeoutMs, d.heartbeatTimeoutMs, 0);
  if (heartbeatTimeoutMs > 0 && heartbeatTimeoutMs < 2 * defaults.heartbeatMs) {
    bad("heartbeatTimeoutMs", `0 (off) or at least twice the heartbeat interval (${2 * defaults.heartbeatMs} ms)`, heartbeatTimeoutMs);
  }
  return Object.freeze({
    restart: oneOf("restart", options.restart, ["never", "on-failure", "always"], d.restart),
    maxRestarts: int("maxRestarts", options.maxRestarts, d.maxRestarts, 0),
    restartWindowMs: int("restartWindowMs", options.restartWindowMs, d.restartWindowMs, 1),
    backoff: Object.freeze({ initialMs, maxMs, factor, jitter }),
    minUptimeMs: int("minUptimeMs", options.minUptimeMs, d.minUptimeMs, 0),
    stablePeriodMs: int("stablePeriodMs", options.stablePeriodMs, d.stablePeriodMs, 1),
    startupTimeoutMs: int("startupTimeoutMs", options.startupTimeoutMs, defaults.startupTimeoutMs, 1),
    heartbeatTimeoutMs,
    onHang: oneOf("onHang", options.onHang, ["report", "restart"], d.onHang),
    stopTimeoutMs: int("stopTimeoutMs", options.stopTimeoutMs, d.stopTimeoutMs, 1),
  });
}
