// The `budgets:` section: limits (USD, optionally per day or month) for every agent together,
// each agent, each run and each value of a call attribute, plus warnings and what exhaustion does.
import * as z from "zod";
import { flag, fraction, obj, oneOf, positiveInt, usd } from "./schema-parts.js";

/** One limit: `10`, `{usd: 10, period: day}`. */
const limit = z.union([usd, obj({ usd, period: oneOf(["total", "day", "month"]) })], {
  error: 'a number of USD >= 0, or {usd, period: "total" | "day" | "month"}',
});

/** One limit or several (e.g. a total and a daily one). */
export const limits = z.union([limit, z.array(limit, { error: "a limit or a list of limits" }).min(1, { error: "a limit or a list of limits" })], {
  error: "a number of USD >= 0, {usd, period}, or a list of them",
});

const timeZone = z.string({ error: "an IANA time zone such as UTC or Europe/Berlin" }).refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: "an IANA time zone such as UTC or Europe/Berlin" },
);

export const budgetsSchema = obj({
  /** Across every agent. */
  global: limits.optional(),
  /** Each agent (an agent's own `budget` replaces the total one). */
  per_agent: limits.optional(),
  /** Each run of an agent. */
  per_run: limits.optional(),
  /** Each distinct value of an attribute set with iron_shim.context(...), e.g. `user: 0.50`. */
  per_attribute: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, { error: "an attribute name" }), limits, { error: "a map of attribute name to limit" }).optional(),
  /** Spend fractions that raise a budget.warning event. */
  warn_at: z.array(fraction, { error: "a list of fractions between 0 and 1" }).optional(),
  /** What happens when a call does not fit: `deny` it (402), or also `stop` the agent. */
  on_exhausted: oneOf(["deny", "stop"]).optional(),
  /** Output tokens assumed when a request sets no maximum. */
  default_max_output_tokens: positiveInt.optional(),
  /** Add that maximum to such requests while a budget applies, so the reservation is a true worst case. */
  cap_output_tokens: flag.optional(),
  /** Budget scopes kept in memory and in snapshots; beyond it idle ones are retired (spend stays in the state file). */
  max_live_scopes: positiveInt.optional(),
  /** Where days and months begin. */
  timezone: timeZone.optional(),
});

export type BudgetsConfig = z.infer<typeof budgetsSchema>;
export type LimitsInput = z.infer<typeof limits>;
