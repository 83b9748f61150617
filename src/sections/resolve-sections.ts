// The budgets, safety and reliability sections (iron.yaml's shape, also what SupervisorOptions
// takes) → validated → defaults applied → the settings the built-in policies run on.
import type * as z from "zod";
import { DEFAULT_WARN_AT } from "../policy/budget-warnings.js";
import { DEFAULT_MAX_LIVE_SCOPES, type BudgetPlanOptions, type LimitSpec } from "../policy/budget-plan.js";
import type { BreakerSettings } from "../policy/breaker/machine.js";
import { usdToMicros } from "../policy/money.js";
import { BUILTIN_DETECTORS, type Detector } from "../policy/pii/detectors.js";
import type { FallbackRule, RateLimit } from "../policy/policies/reliability.js";
import { CUSTOM_PRIORITY, type SafetyPolicyOptions } from "../policy/policies/safety.js";
import { configError, problemsOf } from "./problems.js";
import { budgetsSchema, type BudgetsConfig, type LimitsInput } from "./schema-budgets.js";
import { reliabilitySchema, type ReliabilityConfig } from "./schema-reliability.js";
import { safetySchema, type SafetyConfig } from "./schema-safety.js";

/** Budgets as the cost policy and the supervisor use them. */
export interface ResolvedBudgets {
  readonly plan: BudgetPlanOptions;
  readonly warnAt: readonly number[];
  readonly onExhausted: "deny" | "stop";
  readonly defaultMaxOutputTokens: number | undefined;
  readonly capOutputTokens: boolean;
  /** Budget scopes kept in memory (budgets.max_live_scopes); idle ones beyond it are retired. */
  readonly maxLiveScopes: number;
}

/** Reliability as the reliability policy uses it. */
export interface ResolvedReliability {
  readonly breakers: BreakerSettings | null;
  readonly perAgent: RateLimit | null;
  readonly perProvider: Readonly<Record<string, RateLimit>>;
  /** By attribute name (`user`): a limit for each of its values. */
  readonly perAttribute: Readonly<Record<string, RateLimit>>;
  readonly maxWaitMs: number;
  readonly timeoutMs: number | null;
  readonly fallbacks: readonly FallbackRule[];
}

// Validates one section with its schema; problems name `<section>.<key>`.
function validated<T>(schema: z.ZodType<T>, value: unknown, section: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw configError("supervisor options", problemsOf(parsed.error, value, section));
  return parsed.data;
}

function specs(input: LimitsInput | undefined): LimitSpec[] {
  if (input === undefined) return [];
  return (Array.isArray(input) ? input : [input]).map((l) => (typeof l === "number" ? { micros: usdToMicros(l), period: "total" } : { micros: usdToMicros(l.usd), period: l.period }));
}

/** Budgets: `budgetUsd` (the --budget flag) replaces the global total limit. */
export function resolveBudgets(input: BudgetsConfig | undefined, budgetUsd: number | undefined): ResolvedBudgets {
  const b = input === undefined ? {} : validated(budgetsSchema, input, "budgets");
  let global = specs(b.global);
  if (budgetUsd !== undefined) global = [...global.filter((s) => s.period !== "total"), { micros: usdToMicros(budgetUsd), period: "total" }];
  const perAttribute: Record<string, LimitSpec[]> = {};
  for (const [name, limits] of Object.entries(b.per_attribute ?? {})) perAttribute[name] = specs(limits);
  return Object.freeze({
    plan: Object.freeze({ global, perAgent: specs(b.per_agent), perRun: specs(b.per_run), perAttribute, timeZone: b.timezone ?? "UTC" }),
    warnAt: Object.freeze([...(b.warn_at ?? DEFAULT_WARN_AT)].sort((x, y) => x - y)),
    onExhausted: b.on_exhausted ?? "deny",
    defaultMaxOutputTokens: b.default_max_output_tokens,
    capOutputTokens: b.cap_output_tokens ?? true,
    maxLiveScopes: b.max_live_scopes ?? DEFAULT_MAX_LIVE_SCOPES,
  });
}

/** Safety: null when turned off; default redacts every built-in detector's matches both ways. */
export function resolveSafety(input: SafetyConfig | false | undefined): SafetyPolicyOptions | null {
  if (input === false) return null;
  const s = input === undefined ? {} : validated(safetySchema, input, "safety");
  if (s.enabled === false) return null;
  const enabled = new Set(s.detectors ?? BUILTIN_DETECTORS.map((d) => d.name));
  const custom: Detector[] = (s.custom ?? []).map((c) => {
    const flags = [...new Set(`g${c.flags ?? ""}`)].join("");
    return { name: c.name, group: null, label: c.name.toUpperCase(), pattern: new RegExp(c.pattern, flags), hint: () => true, numeric: false, priority: CUSTOM_PRIORITY };
  });
  const detectors = [...BUILTIN_DETECTORS.filter((d) => enabled.has(d.name)), ...custom].sort((a, b) => b.priority - a.priority);
  const direction = (map: Record<string, "allow" | "redact" | "block"> | undefined) => {
    const { default: fallback, ...overrides } = map ?? {};
    return Object.freeze({ default: fallback ?? "redact", overrides: Object.freeze(overrides) });
  };
  return Object.freeze({
    detectors: Object.freeze(detectors),
    input: direction(s.input),
    output: direction(s.output),
    hashSalt: s.hash_salt ?? "",
    allowValues: Object.freeze([...(s.allow ?? [])]),
  });
}

/** Reliability: null when turned off; breakers on by default, no rate limits, no timeout. */
export function resolveReliability(input: ReliabilityConfig | false | undefined): ResolvedReliability | null {
  if (input === false) return null;
  const r = input === undefined ? {} : validated(reliabilitySchema, input, "reliability");
  if (r.enabled === false) return null;
  const b = r.breakers === false ? null : (r.breakers ?? {});
  const breakers: BreakerSettings | null =
    b === null || b.enabled === false
      ? null
      : Object.freeze({
          consecutiveFailures: b.consecutive_failures ?? 5,
          failureRate: b.failure_rate ?? 0.5,
          minimumCalls: b.minimum_calls ?? 10,
          windowMs: (b.window ?? 60) * 1000,
          cooldownMs: (b.cooldown ?? 30) * 1000,
          maxCooldownMs: Math.max((b.max_cooldown ?? 300) * 1000, (b.cooldown ?? 30) * 1000),
          halfOpenProbes: b.half_open_probes ?? 1,
          probeLeaseMs: (r.timeout ?? 120) * 1000,
        });
  const rate = (limit: { rpm?: number; tpm?: number } | undefined): RateLimit | null =>
    limit === undefined || (limit.rpm === undefined && limit.tpm === undefined) ? null : { rpm: limit.rpm ?? null, tpm: limit.tpm ?? null };
  const perProvider: Record<string, RateLimit> = {};
  for (const [name, limit] of Object.entries(r.rate_limits?.per_provider ?? {})) {
    const resolved = rate(limit);
    if (resolved !== null) perProvider[name] = resolved;
  }
  const perAttribute: Record<string, RateLimit> = {};
  for (const [name, limit] of Object.entries(r.rate_limits?.per_attribute ?? {})) {
    const resolved = rate(limit);
    if (resolved !== null) perAttribute[name] = resolved;
  }
  const fallbacks = (r.fallbacks ?? []).map((f) => ({
    model: f.model,
    provider: f.provider ?? null,
    to: f.to.map((t) => (typeof t === "string" ? { model: t, provider: null } : { model: t.model ?? null, provider: t.provider ?? null })),
  }));
  return Object.freeze({
    breakers,
    perAgent: rate(r.rate_limits?.per_agent),
    perProvider: Object.freeze(perProvider),
    perAttribute: Object.freeze(perAttribute),
    maxWaitMs: (r.rate_limits?.max_wait ?? 2) * 1000,
    timeoutMs: r.timeout === undefined ? null : r.timeout * 1000,
    fallbacks: Object.freeze(fallbacks),
  });
}
