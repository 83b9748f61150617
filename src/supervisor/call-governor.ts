// Turns wire requests and responses into engine decisions, events and per-agent metrics.
import type { EventBus } from "../events/bus.js";
import type { DecisionMessage, LlmChunkMessage, LlmRequestMessage, LlmResponseMessage, WireBudget, WireUsage } from "../protocol/messages.js";
import type { ChainedFilter } from "../policy/stream-filters.js";
import type { PolicyEngine } from "../policy/engine.js";
import type { LlmCall, LlmResult, Usage } from "../policy/types.js";
import type { Verdict } from "../policy/verdict.js";
import type { BudgetLedger } from "../store/budget-ledger.js";
import type { CallObserver } from "../stream/call-details.js";
import { storeFailureVerdict } from "../store/store-failure-verdict.js";
import { usageProblem } from "../policy/usage-check.js";

type DecisionFields = Omit<DecisionMessage, "v" | "type" | "id">;

/** Counters of one agent's calls, as `agent.metrics` shows them. */
export interface CallMetrics {
  calls: number;
  allowed: number;
  modified: number;
  denied: number;
  redacted: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

export function emptyMetrics(): CallMetrics {
  return { calls: 0, allowed: 0, modified: 0, denied: 0, redacted: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
}

/** Governs calls for every agent: one engine, one bus, one ledger. */
export class CallGovernor {
  readonly #engine: PolicyEngine;
  readonly #bus: EventBus;
  readonly #ledger: BudgetLedger;
  readonly #inflight = new Map<string, LlmCall>();
  /** Each scope's balance as last published (limit|spent|reserved), so only changes go out. */
  readonly #published = new Map<string, string>();
  /** Stream filters of calls whose streamed text is being watched, opened at the first chunk. */
  readonly #streams = new Map<string, ChainedFilter | null>();
  readonly #metrics = new Map<string, CallMetrics>();
  readonly #budgetOf: (agentId: string) => WireBudget | null;
  readonly #observer: CallObserver | null;
  readonly #traceparentOf: (agentId: string) => string | null;

  /**
   * `budgetOf` gives the agent's tightest budget, sent with every decision (the shim's status());
   * `observer` sees the bodies that went out and the texts that came back (the dashboard's call details).
   */
  constructor(
    engine: PolicyEngine,
    bus: EventBus,
    ledger: BudgetLedger,
    budgetOf: (agentId: string) => WireBudget | null = () => null,
    observer: CallObserver | null = null,
    traceparentOf: (agentId: string) => string | null = () => null,
  ) {
    this.#traceparentOf = traceparentOf;
    this.#engine = engine;
    this.#bus = bus;
    this.#ledger = ledger;
    this.#budgetOf = budgetOf;
    this.#observer = observer;
  }

  // The observer only looks: its failure never touches a decision.
  #observe(look: (observer: CallObserver) => void): void {
    if (this.#observer === null) return;
    try {
      look(this.#observer);
    } catch {
      // A detail view that cannot be kept is not worth failing a call for.
    }
  }

  /** The live counters of an agent (created on first use). */
  metricsOf(agentId: string): CallMetrics {
    let metrics = this.#metrics.get(agentId);
    if (metrics === undefined) {
      metrics = emptyMetrics();
      this.#metrics.set(agentId, metrics);
    }
    return metrics;
  }

  /** Decides about a request before it leaves the agent. */
  async request(agentId: string, message: LlmRequestMessage): Promise<DecisionFields> {
    const call = toCall(agentId, message);
    this.#bus.publish({
      type: "llm.request",
      agentId,
      callId: call.id,
      provider: call.provider,
      endpoint: call.endpoint,
      model: call.model,
      stream: call.stream,
      estimatedInputTokens: call.estimatedTokens.input,
      maxOutputTokens: call.estimatedTokens.output,
      library: call.library,
      attrs: call.attrs,
      ...traceFields(call, this.#traceparentOf),
    });
    const started = performance.now();
    const verdict = await this.#engine.decideRequest(call).catch((error: unknown) => storeFailureVerdict(error));
    this.#record(agentId, call, "request", verdict, performance.now() - started);
    const metrics = this.metricsOf(agentId);
    metrics.calls += 1;
    if (verdict.action === "deny") metrics.denied += 1;
    else {
      if (verdict.action === "modify") metrics.modified += 1;
      else metrics.allowed += 1;
      this.#inflight.set(call.id, verdict.call ?? call);
    }
    this.#observe((o) => {
      const sent = verdict.action !== "deny";
      const shown = sent ? (verdict.call ?? call) : call;
      o.request(call.id, agentId, shown.body, { provider: shown.provider, method: shown.method, url: verdict.url ?? shown.url, sent });
    });
    if (verdict.micros > 0) this.#publishBalances();
    return { ...toDecision(call.id, verdict), budget: this.#budgetOf(agentId) };
  }

  /** Decides about a response before the agent sees it, and settles its cost. */
  async response(agentId: string, message: LlmResponseMessage): Promise<DecisionFields> {
    const call = this.#inflight.get(message.call);
    if (call === undefined) {
      return { call: message.call, action: "allow", policy: null, code: null, reason: "unknown call", status: null, retry_after: null, body: null };
    }
    this.#inflight.delete(message.call);
    this.#streams.delete(message.call);
    const result = toResult(message);
    const problem = usageProblem(result.usage);
    if (problem !== null) this.#bus.publish({ type: "llm.usage.rejected", agentId, callId: call.id, code: "IRON_ERR_USAGE_INVALID", reason: `reported usage not charged as it is (the call's worst case is): ${problem}` });
    const started = performance.now();
    const verdict = await this.#engine.decideResponse(call, result);
    this.#record(agentId, call, "response", verdict, performance.now() - started);
    const metrics = this.metricsOf(agentId);
    if (verdict.action === "redact") metrics.redacted += 1;
    const counted = problem === null ? result.usage : null;
    metrics.inputTokens += counted?.inputTokens ?? 0;
    metrics.outputTokens += counted?.outputTokens ?? 0;
    metrics.costMicros += verdict.micros;
    this.#bus.publish({
      type: "llm.response",
      agentId,
      callId: call.id,
      model: result.model ?? call.model,
      status: result.status,
      usage: counted,
      costMicros: verdict.micros,
      latencyMs: result.latencyMs,
      stream: result.stream,
      complete: result.complete,
      error: result.error,
      attrs: call.attrs,
      ...finishFields(result.body),
    });
    this.#observe((o) => {
      const denied = verdict.action === "deny";
      o.response(call.id, denied ? verdict.status : result.status, denied ? null : (verdict.output ?? result.output), verdict.action, result.stream);
    });
    this.#publishBalances();
    return { ...toDecision(call.id, verdict), budget: this.#budgetOf(agentId) };
  }

  /** Passes one streamed text delta through the output filters; answers the text to emit. */
  chunk(agentId: string, message: LlmChunkMessage): DecisionFields {
    const call = this.#inflight.get(message.call);
    const allowed = { call: message.call, action: "allow" as const, policy: null, code: null, reason: null, status: null, retry_after: null, body: null, text: message.text };
    if (call === undefined || call.agentId !== agentId) return allowed;
    let filter = this.#streams.get(call.id);
    if (filter === undefined) {
      filter = this.#engine.openStream(call);
      this.#streams.set(call.id, filter);
    }
    if (filter === null) {
      this.#observe((o) => o.streamText(call.id, message.text));
      return allowed;
    }
    const verdict = message.done ? filter.end() : filter.push(message.text);
    this.#observe((o) => o.streamText(call.id, verdict.text));
    if (message.done) this.#streams.set(call.id, null);
    if (verdict.action !== "allow") {
      this.#bus.publish({
        type: "llm.decision",
        agentId,
        callId: call.id,
        phase: "stream",
        action: verdict.action,
        policy: verdict.policy,
        code: verdict.code ?? null,
        reason: verdict.reason ?? null,
        status: null,
        micros: 0,
        ms: 0,
        attrs: call.attrs,
        ...(verdict.findings !== undefined && { findings: verdict.findings }),
      });
    }
    return { ...allowed, action: verdict.action, policy: verdict.policy, code: verdict.code ?? null, reason: verdict.reason ?? null, text: verdict.text };
  }

  /** Releases the reservations of an agent's calls that will never report back. */
  abandon(agentId: string): void {
    let released = false;
    for (const [id, call] of this.#inflight) {
      if (call.agentId !== agentId) continue;
      this.#inflight.delete(id);
      this.#streams.delete(id);
      this.#engine.release(id);
      released = true;
    }
    if (released) this.#publishBalances();
  }

  #record(agentId: string, call: LlmCall, phase: "request" | "response", verdict: Verdict, ms: number): void {
    const callId = call.id;
    for (const failure of verdict.failures) this.#bus.publish({ type: "policy.error", agentId, callId, ...failure });
    this.#bus.publish({
      type: "llm.decision",
      agentId,
      callId,
      phase,
      action: verdict.action,
      policy: verdict.policy,
      code: verdict.code,
      reason: verdict.reason,
      status: verdict.status,
      micros: verdict.micros,
      ms: Math.round(ms * 1000) / 1000,
      attrs: call.attrs,
      ...(verdict.findings.length > 0 && { findings: verdict.findings }),
      ...(verdict.delayMs > 0 && { delayMs: verdict.delayMs }),
    });
    for (const warning of verdict.warnings) this.#bus.publish({ type: "budget.warning", ...warning, agentId, callId });
    if (verdict.exhausted !== null) this.#bus.publish({ type: "budget.exhausted", ...verdict.exhausted, agentId, callId, reason: verdict.reason ?? "" });
  }

  // Publishes the balances that changed since last published: with a budget per user, one
  // agent serving thousands of users must not emit thousands of events a call.
  #publishBalances(): void {
    for (const balance of this.#ledger.balances()) {
      const key = `${balance.limit}|${balance.spent}|${balance.reserved}`;
      if (this.#published.get(balance.scope) === key) continue;
      this.#published.set(balance.scope, key);
      this.#bus.publish({ type: "budget.update", ...balance });
    }
  }
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

// Where the call goes and which trace it belongs to (the agent's own, when it has one).
function traceFields(call: LlmCall, traceparentOf: (agentId: string) => string | null): { server?: string; traceparent?: string } {
  const fields: { server?: string; traceparent?: string } = {};
  try {
    const host = new URL(call.url).host;
    if (host !== "") fields.server = host;
  } catch {
    // A URL the shim could not give whole: no server on the span.
  }
  const header = call.headers.traceparent?.trim().toLowerCase();
  const traceparent = header !== undefined && TRACEPARENT.test(header) ? header : traceparentOf(call.agentId);
  if (traceparent !== null && TRACEPARENT.test(traceparent)) fields.traceparent = traceparent;
  return fields;
}

// Finish reasons as OpenAI (choices[].finish_reason) and Anthropic (stop_reason) bodies give them.
function finishFields(body: unknown): { finishReasons?: string[] } {
  if (typeof body !== "object" || body === null) return {};
  const b = body as { choices?: unknown; stop_reason?: unknown };
  const reasons: string[] = [];
  if (Array.isArray(b.choices)) {
    for (const choice of b.choices as unknown[]) {
      const reason = (choice as { finish_reason?: unknown } | null)?.finish_reason;
      if (typeof reason === "string") reasons.push(reason);
    }
  }
  if (typeof b.stop_reason === "string") reasons.push(b.stop_reason);
  return reasons.length > 0 ? { finishReasons: reasons.slice(0, 16) } : {};
}

function toCall(agentId: string, m: LlmRequestMessage): LlmCall {
  return {
    id: m.call,
    agentId,
    provider: m.provider,
    endpoint: m.endpoint,
    model: m.model,
    method: m.method,
    url: m.url,
    headers: m.headers,
    body: m.body,
    stream: m.stream,
    estimatedTokens: { input: m.est_tokens.input, output: m.est_tokens.output },
    library: m.library,
    attrs: m.attrs,
    receivedAt: Date.now(),
  };
}

function toUsage(u: WireUsage | null): Usage | null {
  if (u === null) return null;
  return {
    inputTokens: u.input_tokens,
    outputTokens: u.output_tokens,
    cachedInputTokens: u.cached_input_tokens,
    cacheCreationInputTokens: u.cache_creation_input_tokens,
    reasoningTokens: u.reasoning_tokens,
  };
}

function toResult(m: LlmResponseMessage): LlmResult {
  return {
    status: m.status,
    usage: toUsage(m.usage),
    output: m.output,
    body: m.body,
    latencyMs: m.latency_ms,
    stream: m.stream,
    complete: m.complete,
    error: m.error,
    requestId: m.request_id,
    model: m.model,
    retryAfter: m.retry_after ?? null,
  };
}

function toDecision(callId: string, v: Verdict): DecisionFields {
  const extra = { ...(v.url !== null && { url: v.url }), ...(v.streamChunks && { stream_chunks: true }), ...(v.timeoutMs !== null && { timeout_ms: v.timeoutMs }) };
  return {
    ...extra,
    call: callId,
    action: v.action,
    policy: v.policy,
    code: v.code,
    reason: v.reason,
    status: v.status,
    retry_after: v.retryAfter,
    body: v.action === "modify" || v.action === "redact" ? v.body : null,
  };
}
