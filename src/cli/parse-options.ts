// Parsers for option values: a bad value is IRON_ERR_USAGE naming the flag, expected and got.
import { InvalidArgumentError } from "commander";

/** A non-negative number of USD, like `--budget 2.50`. */
export function parseUsd(value: string): number {
  const usd = Number(value.replace(/^\$/, ""));
  if (value.trim() === "" || !Number.isFinite(usd) || usd < 0) throw new InvalidArgumentError(`expected a number of USD >= 0, got ${JSON.stringify(value)}`);
  return usd;
}

/** A positive integer of milliseconds. */
export function parseMs(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new InvalidArgumentError(`expected a positive integer of milliseconds, got ${JSON.stringify(value)}`);
  return ms;
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
  };
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration such as `500ms`, `10s`, `1.5m`; a bare integer means milliseconds only when
 * `bareMs` (the older flags took milliseconds), otherwise a unit is required. `allowZero`
 * admits 0 (an "off" value).
 */
export function parseDuration(options: { bareMs: boolean; allowZero?: boolean }): (value: string) => number {
  return (value) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
    const unit = match?.[2] ?? (options.bareMs ? "ms" : undefined);
    const ms = match !== null && unit !== undefined ? Math.round(Number(match[1]) * (UNITS[unit] as number)) : Number.NaN;
    if (!Number.isFinite(ms) || (ms === 0 && options.allowZero !== true)) {
      const expected = options.bareMs ? "milliseconds or a duration like 500ms, 10s, 2m" : "a duration like 500ms, 10s, 2m";
      throw new InvalidArgumentError(`expected ${options.allowZero === true ? "0 or " : ""}${expected}, got ${JSON.stringify(value)}`);
    }
    return ms;
  };
}

/** A non-negative integer count, like `--max-restarts 5`. */
export function parseCount(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got ${JSON.stringify(value)}`);
  return n;
}
