// Builders of event inputs for tests of the bus, the projection, the store and the stream.
import type { EventInput } from "../../src/events/types.js";

/** The events of one allowed call: request, decision, response. */
export function callEvents(agentId: string, callId: string, costMicros = 10, model = "gpt-4o-mini"): EventInput[] {
  return [
    { type: "llm.request", agentId, callId, provider: "openai", endpoint: "chat.completions", model, stream: false, estimatedInputTokens: 5, maxOutputTokens: 20, library: "httpx", attrs: {} },
    { type: "llm.decision", attrs: {}, agentId, callId, phase: "request", action: "allow", policy: null, code: null, reason: null, status: null, micros: 40, ms: 0.1 },
    {
      type: "llm.response",
      attrs: {},
      agentId,
      callId,
      model,
      status: 200,
      usage: { inputTokens: 5, outputTokens: 7, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 },
      costMicros,
      latencyMs: 3.5,
      stream: false,
      complete: true,
      error: null,
    },
  ];
}

/** The events of one denied call: request and its deny decision. */
export function deniedCallEvents(agentId: string, callId: string, code = "IRON_ERR_BUDGET", status = 402): EventInput[] {
  return [
    {
      type: "llm.request",
      agentId,
      callId,
      provider: "openai",
      endpoint: "chat.completions",
      model: "gpt-4o",
      stream: false,
      estimatedInputTokens: 5,
      maxOutputTokens: 4000,
      library: "urllib",
      attrs: {},
    },
    { type: "llm.decision", attrs: {}, agentId, callId, phase: "request", action: "deny", policy: "budget", code, reason: "budget exhausted", status, micros: 0, ms: 0.1 },
  ];
}

/** An agent's state change. */
export function stateEvent(agentId: string, from: string, to: string, run = 1, pid: number | null = 4242): EventInput {
  return { type: "agent.state", agentId, run, from, to, reason: `${from} → ${to}`, pid, exitCode: to === "stopped" ? 0 : null, signal: null };
}
