// The seam between the wire (protocol/messages.ts, snake_case, what the shim sends) and the
// domain the policies see (LlmCall, LlmResult, Verdict): mapped here and nowhere else.
import type { DecisionMessage, LlmRequestMessage, LlmResponseMessage, WireBudget, WireChunkHint, WireHint, WireUsage } from "../protocol/messages.js";
import type { LlmCall, LlmResult, ResponseHint, StreamHints, Usage } from "../policy/types.js";
import type { Verdict } from "../policy/verdict.js";

/** A decision as the governor answers it; the transport adds the envelope. */
export type DecisionFields = Omit<DecisionMessage, "v" | "type" | "id">;

/** The plain "go ahead" for a call, the one spelling of it. */
export function allowDecision(callId: string): DecisionFields {
  return { call: callId, action: "allow", policy: null, code: null, reason: null, status: null, retry_after: null, body: null };
}

/** A request off the wire as the call policies judge. */
export function toCall(agentId: string, m: LlmRequestMessage): LlmCall {
  const call: LlmCall = {
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
  return m.admitted === undefined ? call : { ...call, admitted: m.admitted };
}

// Token counts off the wire, or null when the provider reported none.
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

/** A response off the wire as the result policies judge. */
export function toResult(m: LlmResponseMessage): LlmResult {
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

/** A verdict as the shim reads it: a body only when it changed, extras only when set; `budget` last when given. */
export function toDecision(callId: string, v: Verdict, budget?: WireBudget | null): DecisionFields {
  // Extras first (the order the shim has always seen), each only when set; built in place, not spread.
  const out: Record<string, unknown> = {};
  if (v.url !== null) out.url = v.url;
  if (v.streamChunks) {
    out.stream_chunks = true;
    out.chunk_batch = true;
    if (v.chunkHints !== null && v.action !== "deny") out.chunk_hints = wireChunkHints(v.chunkHints);
  }
  if (v.timeoutMs !== null) out.timeout_ms = v.timeoutMs;
  if (!v.responseDecision && v.action !== "deny") out.response_decision = false;
  else if (v.responseHints !== null && v.action !== "deny") out.response_hints = wireHints(v.responseHints);
  out.call = callId;
  out.action = v.action;
  out.policy = v.policy;
  out.code = v.code;
  out.reason = v.reason;
  out.status = v.status;
  out.retry_after = v.retryAfter;
  out.body = v.action === "modify" || v.action === "redact" ? v.body : null;
  if (budget !== undefined) out.budget = budget;
  return out as unknown as DecisionFields;
}

// The policies hand out the same frozen hint list call after call: mapped once.
const mapped = new WeakMap<readonly ResponseHint[], readonly WireHint[]>();

const mappedChunks = new WeakMap<StreamHints, readonly WireChunkHint[]>();

// The hints, then the holds (marked `hold`); mapped once per frozen StreamHints.
function wireChunkHints(hints: StreamHints): readonly WireChunkHint[] {
  let wire = mappedChunks.get(hints);
  if (wire === undefined) {
    wire = Object.freeze([
      ...hints.hints.map((h) => Object.freeze({ re: h.source, i: h.ignoreCase })),
      ...hints.holds.map((h) => Object.freeze({ re: h.source, i: h.ignoreCase, hold: true as const })),
    ]);
    if (Object.isFrozen(hints)) mappedChunks.set(hints, wire);
  }
  return wire;
}

function wireHints(hints: readonly ResponseHint[]): readonly WireHint[] {
  if (!Object.isFrozen(hints)) return hints.map((h) => ({ re: h.source, i: h.ignoreCase }));
  let wire = mapped.get(hints);
  if (wire === undefined) {
    wire = Object.freeze(hints.map((h) => Object.freeze({ re: h.source, i: h.ignoreCase })));
    mapped.set(hints, wire);
  }
  return wire;
}
