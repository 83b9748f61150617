// Building blocks of the iron.yaml schema. Every leaf carries its "expected" text as its
// error, so a bad value reads `budgets.per_agent: expected a number of USD >= 0, got "ten"`.
import * as z from "zod";
import { DURATION_HINT, durationFix, durationMs } from "./duration.js";

/** A strict map: unknown keys are errors that list the known ones. */
export function obj<T extends z.core.$ZodLooseShape>(shape: T, what = "a map") {
  const keys = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `one of the keys ${keys}` : `${what} with the keys ${keys}`),
  });
}

/** A non-negative amount of US dollars. */
export const usd = z.number({ error: "a number of USD >= 0" }).min(0, { error: "a number of USD >= 0" }).finite({ error: "a number of USD >= 0" });

/** A duration under the one rule (`500ms`, `5s`, `2m`; a bare number is seconds), read as seconds; `min` 0 admits zero. */
export function duration(min: "positive" | "zero" = "positive") {
  const expected = `${min === "zero" ? "0 or " : ""}${DURATION_HINT}`;
  return z.union([z.number(), z.string()], { error: expected }).transform((value, ctx) => {
    const ms = durationMs(value);
    if (ms === null || (ms === 0 && min === "positive")) {
      const fix = typeof value === "string" ? durationFix(value) : null;
      ctx.addIssue({ code: "custom", message: fix === null ? expected : `${expected}; write ${fix}`, params: { got: value } });
      return z.NEVER;
    }
    return ms / 1000;
  });
}

/** A positive duration, as seconds (fractions allowed). */
export const seconds = duration();

/** A positive whole number. */
export const positiveInt = z.number({ error: "a whole number > 0" }).int({ error: "a whole number > 0" }).positive({ error: "a whole number > 0" });

/** A whole number, zero allowed. */
export const count = z.number({ error: "a whole number >= 0" }).int({ error: "a whole number >= 0" }).min(0, { error: "a whole number >= 0" });

/** A fraction in (0, 1]. */
export const fraction = z.number({ error: "a fraction between 0 and 1" }).gt(0, { error: "a fraction between 0 and 1" }).lte(1, { error: "a fraction between 0 and 1" });

/** A non-empty string. */
export const text = (what: string) => z.string({ error: what }).min(1, { error: what });

/** A boolean. */
export const flag = z.boolean({ error: "true or false" });

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const quoted = values.map((v) => JSON.stringify(v));
  return z.enum(values, { error: quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}` });
}

/** An http(s) URL. */
export const httpUrl = z.string({ error: "an http(s) URL" }).regex(/^https?:\/\/[^\s/]+/, { error: "an http(s) URL" });

const rates = {
  input: usd,
  output: usd,
  cached_input: usd.optional(),
  cache_write: usd.optional(),
};

/** A price in USD per million tokens (optionally higher rates above a prompt size). */
export const price = obj(
  {
    ...rates,
    long_context: obj({ above_input_tokens: positiveInt, ...rates }, "a map of long-context rates").optional(),
  },
  "a price in USD per million tokens",
);

export type PriceInput = z.infer<typeof price>;
