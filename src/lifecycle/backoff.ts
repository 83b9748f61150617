// Restart delays: exponential, capped, with jitter so agents that crash together do not restart in lockstep.

export interface BackoffConfig {
  /** Delay before the first restart, in milliseconds. */
  readonly initialMs: number;
  /** The longest delay, in milliseconds. */
  readonly maxMs: number;
  /** Growth per consecutive restart (2 doubles the delay). */
  readonly factor: number;
  /** Fraction of the delay that is randomised, 0..1 (0.2: the delay varies by ±20 %). */
  readonly jitter: number;
}

/**
 * The delay before restart number `attempt` (0 for the first restart since the agent was
 * last stable): initialMs × factor^attempt, capped at maxMs, then spread by ±jitter using
 * `random` (a number in [0, 1), injected so tests are deterministic), never above maxMs.
 */
export function backoffDelay(attempt: number, config: BackoffConfig, random: () => number): number {
  const base = Math.min(config.maxMs, config.initialMs * config.factor ** Math.max(0, attempt));
  const spread = 1 + config.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(config.maxMs, Math.round(base * spread)));
}
