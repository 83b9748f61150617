// Parsers for option values: a bad value is IRON_ERR_USAGE naming the flag, expected and got.
import { InvalidArgumentError } from "commander";
import { DURATION_HINT, durationFix, durationMs } from "../sections/duration.js";

/** A non-negative number of USD, like `--budget 2.50`. */
export function parseUsd(value: string): number {
  const usd = Number(value.replace(/^\$/, ""));
  if (value.trim() === "" || !Number.isFinite(usd) || usd < 0) throw new InvalidArgumentError(`expected a number of USD >= 0, got ${JSON.stringify(value)}`);
  return usd;
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new InvalidArgumentError(`expected one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
  };
}

/** A TCP port, 0–65535 (0: any free port). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (value.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A point in time: a duration back from now (`90s`, `15m`, `2h`, `7d`) or a date/time (`2026-11-27`, ISO 8601). Returns unix ms. */
export function parseSince(value: string, now: number = Date.now()): number {
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value.trim());
  if (duration !== null) return now - Number(duration[1]) * (UNIT_MS[duration[2] as string] ?? 0);
  const text = value.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  // A bare date means local midnight; a date-time follows ISO 8601 (local unless it names a zone).
  const time = day !== null ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime() : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new InvalidArgumentError(`expected a duration like 15m, 2h, 7d or a date like 2026-11-27, got ${JSON.stringify(value)}`);
  return time;
}

/** A list from a repeatable, comma-separable option. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== ""),
  ];
}

/** Repeatable `key=value` pairs, like `--attr user=u42`, collected into one record. */
export function collectPairs(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  const key = at > 0 ? value.slice(0, at).trim() : "";
  if (key === "") throw new InvalidArgumentError(`expected key=value (an attribution such as user=u42), got ${JSON.stringify(value)}`);
  return { ...previous, [key]: value.slice(at + 1) };
}

/** A positive integer count, like `--limit 20`. */
export function parsePositiveCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * A duration under the one rule (src/config/duration.ts): `500ms`, `10s`, `1.5m`, a bare number
 * is seconds. `allowZero` admits 0 (an "off" value).
 */
export function parseDuration(options: { allowZero?: boolean } = {}): (value: string) => number {
  return (value) => {
    const ms = durationMs(value);
    if (ms === null || (ms === 0 && options.allowZero !== true)) {
      const fix = durationFix(value);
      const zero = options.allowZero === true ? "0 (off) or " : "";
      throw new InvalidArgumentError(`expected ${zero}${DURATION_HINT}, got ${JSON.stringify(value)}${fix === null ? "" : ` (write ${fix})`}`);
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
