// What the telemetry needs from a call that the policies do not: the server it goes to, the
// trace it belongs to, and why the provider stopped. Read from the wire, off the decision.
import type { LlmCall } from "../policy/types.js";

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

// Where the call goes and which trace it belongs to (the agent's own, when it has one).
export function traceFields(call: LlmCall, traceparentOf: (agentId: string) => string | null): { server?: string; traceparent?: string } {
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
export function finishFields(body: unknown): { finishReasons?: string[] } {
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
