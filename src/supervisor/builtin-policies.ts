// Builds the built-in policies in their fixed order — safety → cost → reliability — from
// resolved options, with the budget plan, breaker board and rate limiter they share.
import { deploymentResolver } from "../policy/azure-deployments.js";
import { findPrice } from "../policy/prices.js";
import type { EventInput, IronEvent } from "../events/types.js";
import { BreakerBoard, systemBreakerClock, type BreakerChange, type BreakerClock } from "../policy/breaker/board.js";
import type { BreakerSettings } from "../policy/breaker/machine.js";
import { BudgetLimits } from "../policy/budget-limits.js";
import { BudgetPlan } from "../policy/budget-plan.js";
import { budgetPolicy } from "../policy/policies/budget.js";
import { reliabilityPolicy } from "../policy/policies/reliability.js";
import { safetyPolicy } from "../policy/policies/safety.js";
import { RateLimiter, type RateLimits } from "../policy/rate-limiter.js";
import type { Policy } from "../policy/types.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";
import type { ResolvedSupervisorOptions } from "./options.js";

export interface BuiltinDeps {
  readonly ledger: BudgetLedger;
  /** The current run of a spawned agent (its number, or a key unique in the state file), null for one that joined. */
  readonly runOf: (agentId: string) => number | string | null;
  readonly publish: (event: EventInput) => void;
  /** The install secret that keys finding hashes (kept outside the state file). */
  readonly hashKey?: Buffer;
  readonly clock?: BreakerClock;
  /** Makes the rate limiter (a fleet store shares its allowances); this supervisor's own buckets by default. */
  readonly rateLimiter?: () => RateLimits;
  /** Makes the breaker board (a fleet store shares it); a board of this supervisor's own by default. */
  readonly breakerBoard?: (settings: BreakerSettings, clock: BreakerClock, onChange: (change: BreakerChange) => void) => BreakerBoard;
}

/** The built-in policies and what they share. */
export interface Builtins {
  readonly policies: readonly Policy[];
  readonly plan: BudgetPlan;
  /** Where every budget limit is set. */
  readonly limits: BudgetLimits;
  readonly breakers: BreakerBoard | null;
  /** Stops breaker timers. */
  close(): void;
}

/** Creates safety (unless off), budget, and reliability (unless off) policies. */
export function createBuiltins(options: ResolvedSupervisorOptions, deps: BuiltinDeps): Builtins {
  const plan = new BudgetPlan(options.budgets.plan);
  const policies: Policy[] = [];
  if (options.safety !== null) policies.push(safetyPolicy({ ...options.safety, hashKey: deps.hashKey ?? null }));
  policies.push(
    budgetPolicy({
      prices: options.prices,
      unknownModel: options.unknownModelPrice === "deny" ? { action: "deny" } : { action: "charge", price: options.unknownModelPrice },
      defaultMaxOutputTokens: options.defaultMaxOutputTokens,
      capOutputTokens: options.budgets.capOutputTokens,
      plan,
      runOf: deps.runOf,
      deploymentModel: deploymentResolver(
        options.azureDeployments,
        (deployment, message) => options.logger.warn({ deployment }, message),
        (model) => findPrice(options.prices, model) !== undefined,
      ),
    }),
  );
  let breakers: BreakerBoard | null = null;
  const r = options.reliability;
  if (r !== null) {
    const make = deps.breakerBoard ?? ((settings, clock, onChange) => new BreakerBoard(settings, clock, onChange));
    if (r.breakers !== null) breakers = make(r.breakers, deps.clock ?? systemBreakerClock, (change) => deps.publish({ type: "breaker.state", ...change }));
    policies.push(
      reliabilityPolicy({
        breakers,
        limiter: deps.rateLimiter?.() ?? new RateLimiter(),
        perAgent: r.perAgent,
        perProvider: r.perProvider,
        perAttribute: r.perAttribute,
        // A call never waits for a rate limit longer than half the time the shim waits for a decision.
        maxWaitMs: Math.min(r.maxWaitMs, Math.floor(options.decisionTimeoutMs / 2)),
        timeoutMs: r.timeoutMs,
        fallbacks: r.fallbacks,
        providers: options.providers,
      }),
    );
  }
  const limits = new BudgetLimits(plan, deps.ledger);
  limits.startGlobal(options.budgets.plan.global.filter((s) => s.period === "total").map((s) => s.micros));
  return {
    policies,
    plan,
    limits,
    breakers,
    close: () => breakers?.stop(),
  };
}

/** A bus listener that stops an agent whose call found its budget exhausted (`on_exhausted: stop`). */
export function stopOnExhaustion(mode: "deny" | "stop", stop: (agentId: string, reason: string) => void): (event: IronEvent) => void {
  return (event) => {
    if (mode === "stop" && event.type === "budget.exhausted") stop(event.agentId, `budget exhausted: ${event.reason}`);
  };
}
