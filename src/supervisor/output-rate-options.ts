// The output rate cap option (SupervisorOptions.outputRate, iron.yaml's `output_rate:`): user
// values over the defaults, validated once, naming the key, the expected and the got.
import { IronError } from "../errors.js";
import { DEFAULT_OUTPUT_RATE, type OutputRate } from "../lifecycle/output-cap.js";

/** How many output lines of each agent become `agent.output` events; each value falls back to its default. */
export interface OutputRateOptions {
  /** Lines a second (default 200). */
  readonly linesPerSecond?: number;
  /** Lines that pass at once before the rate applies (default 2000). */
  readonly burst?: number;
}

// One value: a positive number (whole for the burst), or the default when not given.
function positive(path: string, value: number | undefined, fallback: number, whole: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isFinite(value) && value > 0 && (!whole || Number.isSafeInteger(value))) return value;
  throw new IronError("IRON_ERR_CONFIG", "invalid supervisor option", { path, expected: whole ? "a whole number > 0" : "a number > 0", got: value });
}

/** The cap each agent's output goes through: the defaults, the user's values over them, or false for no cap. */
export function resolveOutputRate(options: OutputRateOptions | false | undefined): OutputRate | false {
  if (options === false) return false;
  if (options === undefined) return DEFAULT_OUTPUT_RATE;
  return Object.freeze({
    linesPerSecond: positive("outputRate.linesPerSecond", options.linesPerSecond, DEFAULT_OUTPUT_RATE.linesPerSecond, false),
    burst: positive("outputRate.burst", options.burst, DEFAULT_OUTPUT_RATE.burst, true),
  });
}
