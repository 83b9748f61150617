// The human-readable reasons carried by `agent.state` events (pure formatting).

/** "1.5 s", "10 s", "250 ms": durations as people read them. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** How a process ended: "exited with code 3" or "killed by SIGKILL". */
export function describeExit(exitCode: number | null, signal: string | null): string {
  if (signal !== null) return `killed by ${signal}`;
  return exitCode === null ? "ended" : `exited with code ${exitCode}`;
}

/** Why a starting agent was killed: its shim never said hello. */
export function startupTimeoutReason(ms: number): string {
  return `the shim did not connect within ${duration(ms)} (is the interpreter able to import iron_shim?)`;
}

/** Why a running agent is marked hung. */
export function hungReason(ms: number): string {
  return `no heartbeat for ${duration(ms)}`;
}

/** What a backoff waits for. */
export function backoffReason(delayMs: number, restart: number, inWindow: number, max: number, windowMs: number): string {
  return `restarting in ${duration(delayMs)} (restart ${restart}; ${inWindow} of at most ${max} within ${duration(windowMs)})`;
}

/** Why iron gave up on an agent. */
export function gaveUpReason(max: number, windowMs: number, last: string): string {
  return `${last}; it already restarted ${max} time${max === 1 ? "" : "s"} within ${duration(windowMs)} (the most allowed), giving up`;
}

/** Why an agent whose process died young is not restarted: it failed to start. */
export function startFailedReason(last: string, minUptimeMs: number): string {
  return `${last} before it had run ${duration(minUptimeMs)} (the minimum uptime): a failed start, not restarted`;
}
