// The one rule for durations in flags, iron.yaml and the environment: a number with a unit
// (`500ms`, `5s`, `2m`, `1h`), and a bare number means seconds everywhere.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** How the rule is written in messages and help. */
export const DURATION_HINT = "a duration like 500ms, 5s or 2m (a bare number is seconds)";

/** Milliseconds for a duration written by a person, or null when it does not follow the rule. */
export function durationMs(value: string | number): number | null {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/.exec(value.trim());
  if (match === null) return null;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? "s"] as number));
}

/** The same value as a fix for a near-miss such as `5 sec` or `5000 ms`, for "did you mean". */
export function durationFix(value: string): string | null {
  const match = /^(\d+(?:\.\d+)?)\s*(milliseconds?|msecs?|seconds?|secs?|minutes?|mins?|hours?|hrs?)$/i.exec(value.trim());
  if (match === null) return null;
  const word = (match[2] as string).toLowerCase();
  const unit = word.startsWith("mil") || word.startsWith("ms") ? "ms" : word.startsWith("s") ? "s" : word.startsWith("m") ? "m" : "h";
  return `${match[1]}${unit}`;
}
