// Keeps hostile traffic from flooding the log: a few lines per reason and window, then a count.
import type { Logger } from "./logger.js";

interface Window {
  started: number;
  logged: number;
  suppressed: number;
}

export interface LogThrottleOptions {
  /** Lines per reason let through in each window (default 10). */
  readonly burst?: number;
  /** Window length in milliseconds (default 10 000). */
  readonly windowMs?: number;
  readonly clock?: () => number;
}

/** Logs a warning at most `burst` times per reason and window; says how many it held back. */
export class LogThrottle {
  readonly #logger: Logger;
  readonly #burst: number;
  readonly #windowMs: number;
  readonly #clock: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(logger: Logger, options: LogThrottleOptions = {}) {
    this.#logger = logger;
    this.#burst = options.burst ?? 10;
    this.#windowMs = options.windowMs ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** A warning whose `msg` is the reason; `fields` are logged with it (never secrets). */
  warn(fields: Record<string, unknown>, msg: string): void {
    const now = this.#clock();
    let window = this.#windows.get(msg);
    if (window === undefined || now - window.started >= this.#windowMs) {
      if (window !== undefined && window.suppressed > 0) this.#logger.warn({ suppressed: window.suppressed }, `${msg} (${window.suppressed} more like this were not logged)`);
      window = { started: now, logged: 0, suppressed: 0 };
      this.#windows.set(msg, window);
    }
    if (window.logged < this.#burst) {
      window.logged += 1;
      this.#logger.warn(fields, msg);
    } else {
      window.suppressed += 1;
    }
  }
}
