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
