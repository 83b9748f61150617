// The seam between the wire (protocol/messages.ts, snake_case, what the shim sends) and the
// domain the policies see (LlmCall, LlmResult, Verdict): mapped here and nowhere else.
import type { DecisionMessage, LlmRequestMessage, LlmResponseMessage, WireUsage } from "../protocol/messages.js";
import type { LlmCall, LlmResult, Usage } from "../policy/types.js";
import type { Verdict } from "../policy/verdict.js";

/** A decision as the governor answers it; the transport adds the envelope. */
export type DecisionFields = Omit<DecisionMessage, "v" | "type" | "id">;

/** The plain "go ahead" for a call, the one spelling of it. */
export function allowDecision(callId: string): DecisionFields {
  return { call: callId, action: "allow", policy: null, code: null, reason: null, status: null, retry_after: null, body: null };
}

/** A request off the wire as the call policies judge. */
export function toCall(agentId: string, m: LlmRequestMessage): LlmCall {
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

/** A verdict as the shim reads it: a body only when it changed, extras only when set. */
export function toDecision(callId: string, v: Verdict): DecisionFields {
  const extra = {
    ...(v.url !== null && { url: v.url }),
    ...(v.streamChunks && { stream_chunks: true, chunk_batch: true }),
    ...(v.timeoutMs !== null && { timeout_ms: v.timeoutMs }),
    ...(!v.responseDecision && v.action !== "deny" && { response_decision: false }),
  };
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
