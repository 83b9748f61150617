// expect.poll with room for a loaded machine: real Python processes start slowly when the
// suite runs two files at once, and no assertion here is about time.
import { expect } from "vitest";

/** Polls `fn` until the matcher passes, for up to 20 s. */
export function patiently<T>(fn: () => T | Promise<T>): ReturnType<typeof expect.poll<T>> {
  return expect.poll(fn, { timeout: 20_000 });
}
