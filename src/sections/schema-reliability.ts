// The `reliability:` section: circuit breakers, rate limits, fallbacks and the per-call timeout.
import * as z from "zod";
import { count, duration, flag, fraction, obj, positiveInt, seconds, text } from "./schema-parts.js";

const breakers = obj({
  enabled: flag.optional(),
  /** Trip after this many failures in a row (0: only the failure rate trips). */
  consecutive_failures: count.optional(),
  /** Trip when this fraction of the calls in the window failed… */
  failure_rate: fraction.optional(),
  /** …and there were at least this many. */
  minimum_calls: positiveInt.optional(),
  window: seconds.optional(),
  /** First cooldown; doubles while probes keep failing; Retry-After makes it longer. */
  cooldown: seconds.optional(),
  max_cooldown: seconds.optional(),
  /** Probe calls let through while half-open. */
  half_open_probes: positiveInt.optional(),
});

const rate = obj({ rpm: positiveInt.optional(), tpm: positiveInt.optional() }, "a map");

const target = z.union([text("a model name"), obj({ model: text("a model name").optional(), provider: text("a provider name").optional() })], {
  error: "a model name, or {model, provider}",
});

const fallback = obj({
  /** The model whose breaker is open (dated ids match their family). */
  model: text("a model name"),
  /** Only calls to this provider (default: any). */
  provider: text("a provider name").optional(),
  /** Where to send the call instead, in order of preference. */
  to: z.array(target, { error: "a list of fallbacks" }).min(1, { error: "a list of at least one fallback" }),
});

export const reliabilitySchema = obj({
  /** false turns the reliability policy off. */
  enabled: flag.optional(),
  /** Deadline of each call, in seconds. */
  timeout: seconds.optional(),
  breakers: z.union([z.literal(false), breakers], { error: "false, or a map of breaker settings" }).optional(),
  rate_limits: obj({
    /** The longest a call waits for a rate limit before it is refused with 429. */
    max_wait: duration("zero").optional(),
    per_agent: rate.optional(),
    per_provider: z.record(z.string(), rate, { error: "a map of provider name to {rpm, tpm}" }).optional(),
    /** Each distinct value of an attribute set with iron_shim.context(...), e.g. `user: {rpm: 10}`. */
    per_attribute: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, { error: "an attribute name" }), rate, { error: "a map of attribute name to {rpm, tpm}" }).optional(),
  }).optional(),
  fallbacks: z.array(fallback, { error: "a list of {model, provider, to}" }).optional(),
});

export type ReliabilityConfig = z.infer<typeof reliabilitySchema>;
