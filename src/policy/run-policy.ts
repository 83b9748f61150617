// Runs one policy hook inside its time slice, turning a throw or a timeout into a failure.
import { messageOf } from "../errors.js";

/** How a single policy hook ended. */
export type HookOutcome<T> =
  | { readonly ok: true; readonly value: T | undefined; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly timedOut: boolean; readonly ms: number };

export const DEFAULT_POLICY_TIMEOUT_MS = 100;

/**
 * Calls `hook`. A synchronous answer is answered synchronously (no promise, no turn of the
 * microtask queue: most policies answer at once, and a decision runs several); an asynchronous
 * one races the time slice.
 */
export function runHook<T>(hook: () => T | undefined | void | Promise<T | undefined | void>, timeoutMs: number): HookOutcome<T> | Promise<HookOutcome<T>> {
  const started = performance.now();
  let result: T | undefined | void | Promise<T | undefined | void>;
  try {
    result = hook();
  } catch (error) {
    return { ok: false, error: messageOf(error), timedOut: false, ms: performance.now() - started };
  }
  if (!isThenable(result)) return { ok: true, value: result ?? undefined, ms: performance.now() - started };
  return raced(result, timeoutMs, started);
}

async function raced<T>(result: Promise<T | undefined | void>, timeoutMs: number, started: number): Promise<HookOutcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(resolve, timeoutMs, "timeout");
  });
  try {
    const settled = await Promise.race([result, timeout]);
    if (settled === "timeout") {
      return { ok: false, error: `no answer within ${timeoutMs} ms`, timedOut: true, ms: performance.now() - started };
    }
    return { ok: true, value: (settled as T | undefined | void) ?? undefined, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error: messageOf(error), timedOut: false, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
