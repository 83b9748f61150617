// The request side of the engine: runs onRequest in pipeline order, re-prices reservations
// when a later policy changed the call, commits them atomically, then waits out rate limits.
import type { BudgetLedger, ReserveResult } from "./budget-ledger.js";
import { defaultStatusFor } from "./decisions.js";
import { deepFreeze } from "./freeze.js";
import { formatUsd } from "./money.js";
import { drive, type Steps } from "./drive.js";
import { DEFAULT_POLICY_TIMEOUT_MS, type HookOutcome, runHook } from "./run-policy.js";
import type { Finding, LlmCall, Modify, Policy, PolicyContext, RequestDecision, Reservation, ResponseHint, StreamHints } from "./types.js";
import { emptyVerdict, type BudgetExhaustion, type PolicyFailure, type PolicyStep, type Verdict } from "./verdict.js";

export interface RequestDeps {
  readonly ledger: BudgetLedger;
  readonly sleep: (ms: number) => Promise<void>;
  /** Freeze the call and every change of it (default true; false when only built-ins run, which never change their inputs). */
  readonly freeze?: boolean;
}

interface Held {
  readonly index: number;
  reserve: Reservation;
}

/**
 * Decides about one request; a deny stops the pipeline, a modify passes a (frozen) copy on.
 * The verdict comes back directly when every step answered at once, as a promise when one waited
 * (an async policy, a rate-limit delay, a fleet ledger's acquire).
 */
export function runRequestPipeline(policies: readonly Policy[], original: LlmCall, ctx: PolicyContext, deps: RequestDeps): Verdict | Promise<Verdict> {
  return drive(requestSteps(policies, original, ctx, deps));
}

// The steps, written once: each `yield` waits for a promise (only a promise is yielded).
function* requestSteps(policies: readonly Policy[], original: LlmCall, ctx: PolicyContext, deps: RequestDeps): Steps<Verdict> {
  const frozen = deps.freeze === false ? unfrozen : deepFreeze;
  const call = frozen(original);
  const steps: PolicyStep[] = [];
  const failures: PolicyFailure[] = [];
  const findings: Finding[] = [];
  const held: Held[] = [];
  const reasons: string[] = [];
  let current = call;
  let modifiedBy: string | null = null;
  let lastModify = -1;
  let delayMs = 0;
  let timeoutMs: number | null = null;
  const fail = (policy: string, code: string, reason: string, status?: number, retryAfter?: number, exhausted: BudgetExhaustion | null = null): Verdict => ({
    ...emptyVerdict("deny"),
    policy,
    code,
    reason,
    status: status ?? defaultStatusFor(code),
    retryAfter: retryAfter ?? null,
    steps,
    failures,
    findings,
    exhausted,
  });
  for (const [index, policy] of policies.entries()) {
    if (policy.onRequest === undefined) continue;
    const hook = policy.onRequest;
    const asked = current;
    const pending = runHook<RequestDecision>(() => hook.call(policy, asked, ctx), policy.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS);
    const outcome = pending instanceof Promise ? ((yield pending) as HookOutcome<RequestDecision>) : pending;
    if (!outcome.ok) {
      failures.push({ policy: policy.name, error: outcome.error, timedOut: outcome.timedOut, ignored: policy.failOpen === true });
      steps.push({ policy: policy.name, action: "error", reason: outcome.error, ms: outcome.ms });
      if (policy.failOpen === true) continue;
      return fail(policy.name, "IRON_ERR_POLICY_ERROR", `policy ${policy.name} failed: ${outcome.error}`);
    }
    const decision = outcome.value ?? { action: "allow" as const };
    steps.push({ policy: policy.name, action: decision.action, reason: decision.reason ?? null, ms: outcome.ms });
    if (decision.findings !== undefined) findings.push(...decision.findings);
    if (decision.action === "deny") return fail(policy.name, decision.code, decision.reason, decision.status, decision.retryAfter);
    if (decision.action === "modify") {
      current = withChange(current, decision, frozen);
      modifiedBy = policy.name;
      lastModify = index;
      if (decision.reason !== undefined) reasons.push(decision.reason);
    }
    if (decision.reserve !== undefined) held.push({ index, reserve: decision.reserve });
    delayMs = Math.max(delayMs, decision.delayMs ?? 0);
    if (decision.timeoutMs !== undefined) timeoutMs = Math.min(timeoutMs ?? Infinity, decision.timeoutMs);
  }
  // A policy that priced the call before a later one rerouted it prices the call that really
  // goes out, through its reprice hook: its onRequest ran once and its other outcomes stand.
  for (const h of held) {
    if (h.index >= lastModify) continue;
    const policy = policies[h.index] as Policy;
    if (policy.reprice === undefined) continue;
    const pending = runHook<RequestDecision>(policy.reprice.bind(policy, current, ctx), policy.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS);
    const again = pending instanceof Promise ? ((yield pending) as HookOutcome<RequestDecision>) : pending;
    if (!again.ok) {
      failures.push({ policy: policy.name, error: again.error, timedOut: again.timedOut, ignored: false });
      return fail(policy.name, "IRON_ERR_POLICY_ERROR", `policy ${policy.name} failed: ${again.error}`);
    }
    const decision = again.value ?? { action: "allow" as const };
    if (decision.action === "deny") return fail(policy.name, decision.code, decision.reason, decision.status, decision.retryAfter);
    if (decision.action === "modify") current = withChange(current, decision, frozen);
    if (decision.reserve !== undefined) h.reserve = decision.reserve;
  }
  const reserving = reserveAll(
    deps.ledger,
    call.id,
    held.map((h) => h.reserve),
    call.admitted,
  );
  const hold = reserving instanceof Promise ? ((yield reserving) as HoldResult) : reserving;
  if (!hold.ok) return fail("budget", "IRON_ERR_BUDGET", hold.reason, 402, undefined, hold.exhausted);
  if (delayMs > 0) yield deps.sleep(delayMs);
  const streamChunks = call.stream && policies.some((p) => p.onStreamOpen !== undefined);
  // Each policy is asked once whether it may act on the response; its hints come from that answer.
  const acting = actingOnResponse(policies, current);
  const responseDecision = acting !== null;
  const responseHints = acting === null ? null : hintsOf(acting, current);
  const chunkHints = streamChunks ? streamHintsOf(policies, current) : null;
  const base = { ...emptyVerdict("allow"), micros: hold.micros, steps, failures, findings, streamChunks, responseDecision, responseHints, chunkHints, call: current, delayMs, timeoutMs };
  if (modifiedBy === null) return base;
  const url = current.url === call.url ? null : current.url;
  return { ...base, action: "modify", policy: modifiedBy, reason: reasons.join("; ") || null, body: current.body, url };
}

// The policies that may act on the response (null when none may): each is asked once.
function actingOnResponse(policies: readonly Policy[], call: LlmCall): Policy[] | null {
  let acting: Policy[] | null = null;
  for (const p of policies) {
    if (p.onResponse === undefined || !(p.actsOnResponse?.(call) ?? true)) continue;
    if (acting === null) acting = [p];
    else acting.push(p);
  }
  return acting;
}

// Every hint of the policies that may act on the response, or null when one of them cannot say.
function hintsOf(acting: readonly Policy[], call: LlmCall): readonly ResponseHint[] | null {
  let all: readonly ResponseHint[] | null = null;
  for (const p of acting) {
    let hints: readonly ResponseHint[] | null;
    try {
      hints = p.responseHints?.(call) ?? null;
    } catch {
      return null; // a policy that cannot say is asked, as one without hints
    }
    if (!Array.isArray(hints)) return null;
    all = all === null ? hints : [...all, ...hints];
  }
  return all;
}

// The stream hints of every policy that watches streams, or null when one of them cannot say.
function streamHintsOf(policies: readonly Policy[], call: LlmCall): StreamHints | null {
  let all: StreamHints | null = null;
  for (const p of policies) {
    if (p.onStreamOpen === undefined) continue;
    let hints: StreamHints | null;
    try {
      hints = p.streamHints?.(call) ?? null;
    } catch {
      return null;
    }
    if (hints === null || !Array.isArray(hints.hints) || !Array.isArray(hints.holds)) return null;
    all = all === null ? hints : { hints: [...all.hints, ...hints.hints], holds: [...all.holds, ...hints.holds] };
  }
  return all;
}

type HoldResult = { ok: true; micros: number } | { ok: false; reason: string; exhausted: BudgetExhaustion };

// Commits every reservation atomically, after all policies allowed; none is held on failure.
// Answers at once unless a fleet's ledger has to wait for more budget.
function reserveAll(ledger: BudgetLedger, callId: string, reservations: readonly Reservation[], pool?: string): HoldResult | Promise<HoldResult> {
  if (reservations.length === 0) return { ok: true, micros: 0 };
  let micros = 0;
  const scopes: string[] = [];
  for (const r of reservations) {
    micros = Math.max(micros, r.micros);
    for (const s of r.scopes) if (!scopes.includes(s)) scopes.push(s);
    const limits = r.limits;
    if (limits !== undefined) for (const scope in limits) if (ledger.limit(scope) !== limits[scope]) ledger.setLimit(scope, limits[scope] ?? null);
  }
  // A call the shim admitted under a grant (SPEC 3.4a) is held out of the grant's pool.
  const result = pool !== undefined && ledger.carve !== undefined ? ledger.carve(pool, callId, scopes, micros) : ledger.reserve(callId, scopes, micros);
  // A fleet's ledger whose local slice ran short waits (bounded) for more instead of denying early.
  if (!result.ok && ledger.acquire !== undefined) return ledger.acquire(callId, scopes, micros).then((again) => holdResult(again, micros));
  return holdResult(result, micros);
}

function holdResult(result: ReserveResult, micros: number): HoldResult {
  if (result.ok) return { ok: true, micros };
  const left = Math.max(0, result.limit - result.spent - result.reserved);
  const exhausted = { scope: result.scope, limit: result.limit, spent: result.spent };
  if (result.limit === 0) return { ok: false, reason: `budget ${result.scope} is $0: nothing may be spent`, exhausted };
  const reason =
    result.spent >= result.limit
      ? `budget exhausted: ${result.scope} has spent ${formatUsd(result.spent)} of ${formatUsd(result.limit)}`
      : `budget ${result.scope}: worst-case cost ${formatUsd(result.requested)} exceeds the ${formatUsd(left)} left of ${formatUsd(result.limit)}`;
  return { ok: false, reason, exhausted };
}

// A modified call: the body (and with it the model, when the body names one), maybe the URL and provider.
function withChange(call: LlmCall, change: Modify, frozen: <T>(value: T) => T): LlmCall {
  const body = change.body;
  const named = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
  const model = typeof named === "string" ? named : call.model;
  return frozen({ ...call, body, model, url: change.url ?? call.url, provider: change.provider ?? call.provider });
}

const unfrozen = <T>(value: T): T => value;
