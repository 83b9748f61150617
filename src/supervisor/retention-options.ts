// The retention option of the state file (SupervisorOptions.retention, iron.yaml's `retention:`):
// user values over the defaults, validated once, naming the key, the expected and the got.
import { IronError } from "../errors.js";
import { DEFAULT_RETENTION, type Retention } from "../store/sqlite/retention.js";

/** How much history a SQLite state file keeps; each limit falls back to its default, `null` turns it off. */
export interface RetentionOptions {
  /** Events and settled calls older than this are deleted (default 30 days). */
  readonly maxAgeMs?: number | null;
  /** The newest events kept (default 1 000 000). */
  readonly maxEvents?: number | null;
  /** The newest settled calls kept (default 1 000 000). */
  readonly maxCalls?: number | null;
}

// One limit: a positive whole number, null (off), or the default when not given.
function limit(path: string, value: number | null | undefined, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  if (value === null || (Number.isSafeInteger(value) && value > 0)) return value;
  throw new IronError("IRON_ERR_CONFIG", "invalid supervisor option", { path, expected: "a whole number > 0, or null to turn the limit off", got: value });
}

/** The retention a store applies: the defaults, the user's limits over them, or false to keep everything. */
export function resolveRetention(options: RetentionOptions | false | undefined): Retention | false {
  if (options === false) return false;
  if (options === undefined) return DEFAULT_RETENTION;
  return Object.freeze({
    maxAgeMs: limit("retention.maxAgeMs", options.maxAgeMs, DEFAULT_RETENTION.maxAgeMs),
    maxEvents: limit("retention.maxEvents", options.maxEvents, DEFAULT_RETENTION.maxEvents),
    maxCalls: limit("retention.maxCalls", options.maxCalls, DEFAULT_RETENTION.maxCalls),
  });
}
