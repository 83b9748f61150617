// The policy engine: runs the ordered pipeline of pure policies and combines their answers.
import type { BudgetLedger } from "../store/budget-ledger.js";
import { formatUsd } from "./money.js";
import { defaultStatusFor } from "./decisions.js";
import { DEFAULT_POLICY_TIMEOUT_MS, runHook } from "./run-policy.js";
import { composeStreamFilters, type ChainedFilter } from "./stream-filters.js";
import type { LlmCall, LlmResult, Policy, PolicyContext, RequestDecision, Reservation, ResponseDecision, StreamFilter } from "./types.js";
import type { PolicyFailure, PolicyStep, Verdict } from "./verdict.js";

export interface PolicyEngineOptions {
  /** Built-in policies in their fixed order (safety → cost → reliability). */
  readonly builtins: readonly Policy[];
  readonly ledger: BudgetLedger;
  readonly clock?: () => number;
}

/** The set of custom policies, run after the built-ins in the order they were added. */
export interface PolicyRegistry {
  /** Adds a policy; returns a function that removes it again. */
  use(policy: Policy): () => void;
  list(): readonly Policy[];
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Decides about every call: request in pipeline order, response in reverse order. */
export class PolicyEngine implements PolicyRegistry {
  readonly #builtins: readonly Policy[];
  readonly #custom: Policy[] = [];
  readonly #ledger: BudgetLedger;
  readonly #clock: () => number;

  constructor(options: PolicyEngineOptions) {
    this.#builtins = options.builtins;
    this.#ledger = options.ledger;
    this.#clock = options.clock ?? Date.now;
  }

  use(policy: Policy): () => void {
    if (typeof policy?.name !== "string" || policy.name === "") throw new TypeError("a policy needs a non-empty name");
    this.#custom.push(policy);
    return () => {
      const index = this.#custom.indexOf(policy);
      if (index >= 0) this.#custom.splice(index, 1);
    };
  }

  list(): readonly Policy[] {
    return [...this.#builtins, ...this.#custom];
  }

  #context(): PolicyContext {
    return { now: this.#clock(), budgets: this.#ledger };
  }

  /** Runs every policy's onRequest; a deny stops the pipeline, a modify passes a copy on. */
  async decideRequest(call: LlmCall): Promise<Verdict> {
    const ctx = this.#context();
    const steps: PolicyStep[] = [];
    const failures: PolicyFailure[] = [];
    const reservations: Reservation[] = [];
    let current = call;
    let modifiedBy: string | null = null;
    const reasons: string[] = [];
    for (const policy of this.list()) {
      if (policy.onRequest === undefined) continue;
      const hook = policy.onRequest.bind(policy, current, ctx);
      const outcome = await runHook<RequestDecision>(hook, policy.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS);
      if (!outcome.ok) {
        failures.push({ policy: policy.name, error: outcome.error, timedOut: outcome.timedOut, ignored: policy.failOpen === true });
        steps.push({ policy: policy.name, action: "error", reason: outcome.error, ms: outcome.ms });
        if (policy.failOpen === true) continue;
        return denied(policy.name, "IRON_ERR_POLICY_ERROR", `policy ${policy.name} failed: ${outcome.error}`, undefined, undefined, steps, failures);
      }
      const decision = outcome.value ?? { action: "allow" as const };
      steps.push({ policy: policy.name, action: decision.action, reason: decision.reason ?? null, ms: outcome.ms });
      if (decision.action === "deny") {
        return denied(policy.name, decision.code, decision.reason, decision.status, decision.retryAfter, steps, failures);
      }
      if (decision.action === "modify") {
        current = withChange(current, decision.body, decision.url);
        modifiedBy = policy.name;
        if (decision.reason !== undefined) reasons.push(decision.reason);
      } else if (decision.reserve !== undefined) {
        reservations.push(decision.reserve);
      }
    }
    const hold = this.#reserve(call.id, reservations);
    if (!hold.ok) return denied("budget", "IRON_ERR_BUDGET", hold.reason, 402, undefined, steps, failures);
    const streamChunks = call.stream && this.list().some((p) => p.onStreamOpen !== undefined);
    const base = { code: null, status: null, retryAfter: null, output: null, micros: hold.micros, steps, failures, streamChunks };
    if (modifiedBy !== null) {
      const url = current.url === call.url ? null : current.url;
      return { ...base, action: "modify", policy: modifiedBy, reason: reasons.join("; ") || null, body: current.body, url };
    }
    return { ...base, action: "allow", policy: null, reason: null, body: null, url: null };
  }

  // Commits every reservation atomically, after all policies allowed; none is held on failure.
  #reserve(callId: string, reservations: readonly Reservation[]): { ok: true; micros: number } | { ok: false; reason: string } {
    let micros = 0;
    const scopes = new Set<string>();
    for (const r of reservations) {
      micros = Math.max(micros, r.micros);
      for (const s of r.scopes) scopes.add(s);
    }
    if (reservations.length === 0) return { ok: true, micros: 0 };
    const result = this.#ledger.reserve(callId, [...scopes], micros);
    if (result.ok) return { ok: true, micros };
    const left = Math.max(0, result.limit - result.spent - result.reserved);
    const reason =
      result.spent >= result.limit
        ? `budget exhausted: ${result.scope} has spent ${formatUsd(result.spent)} of ${formatUsd(result.limit)}`
        : `budget ${result.scope}: worst-case cost ${formatUsd(result.requested)} exceeds the ${formatUsd(left)} left of ${formatUsd(result.limit)}`;
    return { ok: false, reason };
  }

  /** Runs every policy's onResponse in reverse order; settles the call's cost. */
  async decideResponse(call: LlmCall, result: LlmResult): Promise<Verdict> {
    const ctx = this.#context();
    const steps: PolicyStep[] = [];
    const failures: PolicyFailure[] = [];
    let current = result;
    let redactedBy: string | null = null;
    let charge = 0;
    const reasons: string[] = [];
    let verdict: Verdict | null = null;
    const policies = this.list();
    for (let i = policies.length - 1; i >= 0; i -= 1) {
      const policy = policies[i] as Policy;
      if (policy.onResponse === undefined) continue;
      const hook = policy.onResponse.bind(policy, call, current, ctx);
      const outcome = await runHook<ResponseDecision>(hook, policy.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS);
      if (!outcome.ok) {
        failures.push({ policy: policy.name, error: outcome.error, timedOut: outcome.timedOut, ignored: true });
        steps.push({ policy: policy.name, action: "error", reason: outcome.error, ms: outcome.ms });
        continue;
      }
      const decision = outcome.value ?? { action: "allow" as const };
      steps.push({ policy: policy.name, action: decision.action, reason: decision.reason ?? null, ms: outcome.ms });
      if (decision.action === "allow" && decision.charge !== undefined) charge += decision.charge;
      if (decision.action === "deny" && verdict === null) {
        verdict = denied(policy.name, decision.code, decision.reason, decision.status, decision.retryAfter, steps, failures);
      }
      if (decision.action === "redact") {
        current = { ...current, body: decision.body, output: decision.output ?? current.output };
        redactedBy = policy.name;
        if (decision.reason !== undefined) reasons.push(decision.reason);
      }
    }
    this.#ledger.settle(call.id, charge);
    if (verdict !== null) return { ...verdict, micros: charge };
    const base = { code: null, status: null, retryAfter: null, micros: charge, steps, failures, url: null, streamChunks: false };
    if (redactedBy !== null) {
      return { ...base, action: "redact", policy: redactedBy, reason: reasons.join("; ") || null, body: current.body, output: current.output };
    }
    return { ...base, action: "allow", policy: null, reason: null, body: null, output: null };
  }

  /** Opens the stream filters of every policy that watches streamed output, chained in pipeline order. */
  openStream(call: LlmCall): ChainedFilter | null {
    const ctx = this.#context();
    const filters: { policy: string; filter: StreamFilter }[] = [];
    for (const policy of this.list()) {
      const filter = policy.onStreamOpen?.(call, ctx);
      if (filter !== undefined) filters.push({ policy: policy.name, filter });
    }
    return filters.length === 0 ? null : composeStreamFilters(filters);
  }

  /** Drops the reservation of a call that will never report back (agent died, stream lost). */
  release(callId: string): void {
    this.#ledger.release(callId);
  }
}

// A modified call: the body (and with it the model, when the body names one) and maybe the URL.
function withChange(call: LlmCall, body: unknown, url: string | undefined): LlmCall {
  const model = typeof body === "object" && body !== null && typeof (body as { model?: unknown }).model === "string" ? (body as { model: string }).model : call.model;
  return { ...call, body, model, url: url ?? call.url };
}

function denied(
  policy: string,
  code: string,
  reason: string,
  status: number | undefined,
  retryAfter: number | undefined,
  steps: readonly PolicyStep[],
  failures: readonly PolicyFailure[],
): Verdict {
  return {
    action: "deny",
    policy,
    code,
    reason,
    status: status ?? defaultStatusFor(code),
    retryAfter: retryAfter ?? null,
    body: null,
    output: null,
    url: null,
    streamChunks: false,
    micros: 0,
    steps,
    failures: failures.length === 0 ? EMPTY : failures,
  };
}
