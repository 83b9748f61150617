// Which budget scopes a call counts against, and their limits. Every budget is a scope name
// in the ledger — `global`, `agent:<id>`, `run:<id>#<n>`, `<attribute>:<value>`, each with
// an optional period suffix `@day:2026-11-27` / `@month:2026-11` — so periods and
// per-attribute budgets need nothing from the ledger beyond reserve/settle.
import type { LlmCall } from "./types.js";

/** Default cap on budget scopes kept in memory and in snapshots (budgets.max_live_scopes). */
export const DEFAULT_MAX_LIVE_SCOPES = 10_000;

/** A budget period: the whole lifetime, one calendar day, or one calendar month. */
export type BudgetPeriod = "total" | "day" | "month";

/** One limit of a scope, in micro-dollars. */
export interface LimitSpec {
  readonly micros: number;
  readonly period: BudgetPeriod;
}

export interface BudgetPlanOptions {
  /** Across every agent (the `--budget` / `budgetUsd` limit is the `total` one). */
  readonly global: readonly LimitSpec[];
  /** Each agent (an agent's own `budgetUsd` replaces the `total` one). */
  readonly perAgent: readonly LimitSpec[];
  /** Each run of an agent (a restarted agent starts a new run). */
  readonly perRun: readonly LimitSpec[];
  /** Each distinct value of a call attribute (`iron_shim.context(user="u42")` → scope `user:u42`). */
  readonly perAttribute: Readonly<Record<string, readonly LimitSpec[]>>;
  /** IANA time zone in which days and months begin (default UTC). */
  readonly timeZone: string;
}

/** The scopes of one call and the limits the ledger must hold for them. */
export interface CallScopes {
  readonly scopes: readonly string[];
  readonly limits: Readonly<Record<string, number | null>>;
  /** True when any of the scopes has a configured limit. */
  readonly limited: boolean;
}

/** Computes scopes and limits for calls; remembers agents' own budgets. */
export class BudgetPlan {
  readonly #options: BudgetPlanOptions;
  readonly #agentLimits = new Map<string, number | null>();
  /** Limits an operator set on exact scopes (null: no limit), over the configured ones. */
  readonly #overrides = new Map<string, number | null>();
  /** How scope names appear in events (scrubbed): an override may name a scope that way. */
  #shownAs: (scope: string) => string = (scope) => scope;
  readonly #day: (now: number) => string;
  /** Each agent's scopes for its current run and day (asked with every decision's budget status); cleared when a limit changes. */
  readonly #agentScopes = new Map<string, { readonly run: number | string | null; readonly day: string; readonly scopes: CallScopes }>();

  /** True when no attribute has budgets: a call's attributes then add no scope. */
  readonly #noAttributeScopes: boolean;

  constructor(options: BudgetPlanOptions) {
    this.#options = options;
    this.#noAttributeScopes = Object.keys(options.perAttribute).length === 0;
    this.#day = dayFormatter(options.timeZone);
  }

  /** An agent's own lifetime budget (from `spawn({ budgetUsd })` or `agents[].budget`); replaces per_agent's. */
  setAgentLimit(agentId: string, micros: number | null): void {
    this.#agentLimits.set(agentId, micros);
    this.#agentScopes.clear();
  }

  /**
   * An operator's limit for one exact scope (`global`, `agent:<id>`, `user:u42@day:2026-11-28`, …),
   * replacing the configured one for as long as this plan lives; null removes the limit.
   */
  overrideLimit(scope: string, micros: number | null): void {
    this.#overrides.set(scope, micros);
    this.#agentScopes.clear();
  }

  /** Lets overrides name scopes as events show them (a scope holding an email shows it as a placeholder). */
  matchScopesAs(shownAs: (scope: string) => string): void {
    this.#shownAs = shownAs;
    this.#agentScopes.clear();
  }

  #override(scope: string): { readonly micros: number | null } | undefined {
    if (this.#overrides.size === 0) return undefined;
    if (this.#overrides.has(scope)) return { micros: this.#overrides.get(scope) ?? null };
    const shown = this.#shownAs(scope);
    return this.#overrides.has(shown) ? { micros: this.#overrides.get(shown) ?? null } : undefined;
  }

  /** The lifetime limit of an agent's scope, or null. */
  agentLimit(agentId: string): number | null {
    const override = this.#override(`agent:${agentId}`);
    if (override !== undefined) return override.micros;
    return this.#agentLimits.get(agentId) ?? total(this.#options.perAgent);
  }

  /** Every scope a call counts against at `now`, for an agent in run `run` (its number or key; null when not spawned here). */
  scopesFor(call: LlmCall, run: number | string | null, now: number): CallScopes {
    // Without attribute budgets a call's scopes are its agent's, remembered for its run and day.
    if (this.#noAttributeScopes) return this.agentScopes(call.agentId, run, now);
    return this.#scopesOf(call.agentId, call.attrs, run, now);
  }

  /** The scopes every call of an agent counts against, attribute scopes aside (what the shim's status() reports). */
  agentScopes(agentId: string, run: number | string | null, now: number): CallScopes {
    const day = this.#day(now);
    const known = this.#agentScopes.get(agentId);
    if (known !== undefined && known.run === run && known.day === day) return known.scopes;
    const scopes = this.#scopesOf(agentId, {}, run, now);
    if (this.#agentScopes.size >= 4096) this.#agentScopes.clear();
    this.#agentScopes.set(agentId, { run, day, scopes });
    return scopes;
  }

  #scopesOf(agentId: string, attrs: Readonly<Record<string, string>>, run: number | string | null, now: number): CallScopes {
    const scopes: string[] = [];
    const limits: Record<string, number | null> = {};
    let limited = false;
    const day = this.#day(now);
    const add = (base: string, specs: readonly LimitSpec[], lifetime: number | null | undefined): void => {
      scopes.push(base);
      // A scope without a configured limit keeps whatever the ledger holds (sup.budgets.setLimit).
      const life = lifetime === undefined ? total(specs) : lifetime;
      if (life !== null) {
        limits[base] = life;
        limited = true;
      }
      for (const spec of specs) {
        if (spec.period === "total") continue;
        const scope = `${base}@${spec.period}:${spec.period === "day" ? day : day.slice(0, 7)}`;
        scopes.push(scope);
        limits[scope] = spec.micros;
        limited = true;
      }
    };
    add("global", this.#options.global, undefined);
    add(`agent:${agentId}`, this.#options.perAgent, this.#agentLimits.get(agentId));
    if (run !== null) add(`run:${agentId}#${run}`, this.#options.perRun, undefined);
    for (const [attribute, specs] of Object.entries(this.#options.perAttribute)) {
      const value = attrs[attribute];
      if (value !== undefined && value !== "") add(`${attribute}:${value}`, specs, undefined);
    }
    if (this.#overrides.size > 0) {
      for (const scope of scopes) {
        const override = this.#override(scope);
        if (override !== undefined) limits[scope] = override.micros;
      }
      limited = Object.values(limits).some((limit) => limit !== null);
    }
    return { scopes, limits, limited };
  }
}

function total(specs: readonly LimitSpec[]): number | null {
  let limit: number | null = null;
  for (const spec of specs) if (spec.period === "total") limit = limit === null ? spec.micros : Math.min(limit, spec.micros);
  return limit;
}

/** `YYYY-MM-DD` of an instant in a time zone (UTC without Intl's cost). */
export function dayFormatter(timeZone: string): (now: number) => string {
  const format =
    timeZone === "UTC" ? (now: number) => new Date(now).toISOString().slice(0, 10) : new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format;
  // Every call asks for the day: remember it for the current minute (days turn on whole minutes in every zone).
  let minute = Number.NaN;
  let day = "";
  return (now) => {
    const m = Math.floor(now / 60_000);
    if (m !== minute) {
      minute = m;
      day = format(now);
    }
    return day;
  };
}
