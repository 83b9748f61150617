// Rows of the state file's tables as the rest of iron sees them.
import type { BreakerRecord, CallRecord } from "../store.js";

/** The columns of `calls` that make a CallRecord. */
export const CALL_COLUMNS = `call_id, agent_id, provider, endpoint, model, response_model, library, stream, requested_at, attrs,
  decision, policy, code, reason, response_action, status, input_tokens, output_tokens, cost_micros, latency_ms, complete, error, redacted_values`;

/** A `calls` row to a CallRecord. */
export function toCallRecord(row: Record<string, unknown>): CallRecord {
  return {
    callId: row.call_id as string,
    agentId: row.agent_id as string,
    provider: row.provider as string,
    endpoint: row.endpoint as string,
    model: (row.model as string | null) ?? null,
    responseModel: (row.response_model as string | null) ?? null,
    library: row.library as string,
    stream: row.stream === 1,
    requestedAt: row.requested_at as number,
    attrs: typeof row.attrs === "string" ? (JSON.parse(row.attrs) as Record<string, string>) : {},
    decision: (row.decision as string | null) ?? null,
    policy: (row.policy as string | null) ?? null,
    code: (row.code as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    responseAction: (row.response_action as string | null) ?? null,
    redactedValues: Number(row.redacted_values ?? 0),
    status: (row.status as number | null) ?? null,
    inputTokens: row.input_tokens as number,
    outputTokens: row.output_tokens as number,
    costMicros: row.cost_micros as number,
    latencyMs: (row.latency_ms as number | null) ?? null,
    complete: row.complete === null || row.complete === undefined ? null : row.complete === 1,
    error: (row.error as string | null) ?? null,
  };
}

/** A `breakers` row to a BreakerRecord (the empty model means "every model"). */
export function toBreakerRecord(row: Record<string, unknown>): BreakerRecord {
  return {
    provider: row.provider as string,
    model: row.model === "" ? null : (row.model as string),
    state: row.state as string,
    since: row.since as number,
    reason: (row.reason as string | null) ?? null,
  };
}
