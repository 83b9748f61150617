// The response side of the engine: runs onResponse in reverse pipeline order, settles the
// call's real cost, and reports the warning thresholds that cost crossed.
import type { BudgetLedger } from "./budget-ledger.js";
import { crossedThresholds } from "./budget-warnings.js";
import { defaultStatusFor } from "./decisions.js";
import { deepFreeze } from "./freeze.js";
import { drive, type Steps } from "./drive.js";
import { DEFAULT_POLICY_TIMEOUT_MS, type HookOutcome, runHook } from "./run-policy.js";
import type { Finding, LlmCall, LlmResult, Policy, PolicyContext, ResponseDecision } from "./types.js";
import { emptyVerdict, type PolicyFailure, type PolicyStep, type Verdict } from "./verdict.js";

export interface ResponseDeps {
  readonly ledger: BudgetLedger;
  /** Warning thresholds as fractions of a limit. */
  readonly warnAt: readonly number[];
  /** Freeze the result and every redaction of it (default true; false when only built-ins run). */
  readonly freeze?: boolean;
}

/**
 * Decides about one response; a failing policy is skipped (the provider already answered).
 * The verdict comes back directly unless a policy answered asynchronously.
 */
export function runResponsePipeline(policies: readonly Policy[], call: LlmCall, original: LlmResult, ctx: PolicyContext, deps: ResponseDeps): Verdict | Promise<Verdict> {
  return drive(responseSteps(policies, call, original, ctx, deps));
}

// The steps, written once: each `yield` waits for a promise (only a promise is yielded).
function* responseSteps(policies: readonly Policy[], call: LlmCall, original: LlmResult, ctx: PolicyContext, deps: ResponseDeps): Steps<Verdict> {
  const steps: PolicyStep[] = [];
  const failures: PolicyFailure[] = [];
  const findings: Finding[] = [];
  const reasons: string[] = [];
  const frozen = deps.freeze === false ? <T>(value: T): T => value : deepFreeze;
  // A custom policy that came after the request was decided still gets a frozen call.
  if (deps.freeze !== false) deepFreeze(call);
  let current = frozen(original);
  let redactedBy: string | null = null;
  let charge = 0;
  let denial: Verdict | null = null;
  for (let i = policies.length - 1; i >= 0; i -= 1) {
    const policy = policies[i] as Policy;
    if (policy.onResponse === undefined) continue;
    const pending = runHook<ResponseDecision>(policy.onResponse.bind(policy, call, current, ctx), policy.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS);
    const outcome = pending instanceof Promise ? ((yield pending) as HookOutcome<ResponseDecision>) : pending;
    if (!outcome.ok) {
      failures.push({ policy: policy.name, error: outcome.error, timedOut: outcome.timedOut, ignored: true });
      steps.push({ policy: policy.name, action: "error", reason: outcome.error, ms: outcome.ms });
      continue;
    }
    const decision = outcome.value ?? { action: "allow" as const };
    steps.push({ policy: policy.name, action: decision.action, reason: decision.reason ?? null, ms: outcome.ms });
    if (decision.findings !== undefined) findings.push(...decision.findings);
    if (decision.action === "allow" && decision.charge !== undefined) charge += decision.charge;
    if (decision.action === "deny" && denial === null) {
      const status = decision.status ?? defaultStatusFor(decision.code);
      denial = { ...emptyVerdict("deny"), policy: policy.name, code: decision.code, reason: decision.reason, status, retryAfter: decision.retryAfter ?? null };
    }
    if (decision.action === "redact") {
      current = frozen({ ...current, body: decision.body, output: decision.output ?? current.output });
      redactedBy = policy.name;
      if (decision.reason !== undefined) reasons.push(decision.reason);
    }
  }
  // A policy's charge may be negative (a bug, or usage an agent made up): spend never goes down.
  charge = Math.max(0, charge);
  const balances = deps.ledger.settle(call.id, charge);
  const warnings = crossedThresholds(balances, charge, deps.warnAt);
  const base = { ...emptyVerdict("allow"), micros: charge, steps, failures, findings, warnings };
  if (denial !== null) return { ...denial, micros: charge, steps, failures, findings, warnings };
  if (redactedBy === null) return base;
  return { ...base, action: "redact", policy: redactedBy, reason: reasons.join("; ") || null, body: current.body, output: current.output };
}
