// Builders of engine inputs for tests of the pure core (no processes, no sockets).
import type { LlmCall, LlmResult } from "../../src/policy/types.js";

let next = 0;

/** A typical chat-completions call; override any field. */
export function makeCall(overrides: Partial<LlmCall> = {}): LlmCall {
  next += 1;
  return {
    id: `c-test-${next}`,
    agentId: "agent-a",
    provider: "openai",
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    method: "POST",
    url: "https://api.openai.com/v1/chat/completions",
    headers: { "content-type": "application/json" },
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_tokens: 100 },
    stream: false,
    estimatedTokens: { input: 10, output: 100 },
    library: "httpx",
    attrs: {},
    receivedAt: 0,
    ...overrides,
  };
}

/** A successful result with the given usage. */
export function makeResult(inputTokens: number, outputTokens: number, overrides: Partial<LlmResult> = {}): LlmResult {
  return {
    status: 200,
    usage: { inputTokens, outputTokens, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 },
    output: "hello",
    body: null,
    latencyMs: 5,
    stream: false,
    complete: true,
    error: null,
    requestId: null,
    model: null,
    ...overrides,
  };
}
