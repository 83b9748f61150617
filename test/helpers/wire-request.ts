// An llm.request and its llm.response as the shim puts them on the wire (protocol/SPEC.md §3.2,
// §3.3): an OpenAI chat completion by default, each test overriding only the fields it is about.
import type { LlmRequestMessage, LlmResponseMessage } from "../../src/protocol/messages.js";

/** A chat-completion request with id `id`; `fields` replace the defaults (call `c-<id>`, gpt-4o-mini, an empty chat). */
export function wireRequest(id: number, fields: Partial<Omit<LlmRequestMessage, "v" | "type" | "id">> = {}): LlmRequestMessage {
  return {
    v: 1,
    type: "llm.request",
    id,
    call: `c-${id}`,
    provider: "openai",
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    method: "POST",
    url: "https://api.openai.com/v1/chat/completions",
    headers: {},
    body: { model: "gpt-4o-mini", messages: [] },
    stream: false,
    est_tokens: { input: 5, output: 5 },
    library: "test",
    attrs: {},
    ...fields,
  };
}

/** The usage a 8-in, 10-out chat completion reports. */
export const WIRE_USAGE = { input_tokens: 8, output_tokens: 10, cached_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 0 };

/** The read (non-streamed) 200 response of call `c-<callNo>`, sent as message `callNo + 1`; `fields` replace the defaults. */
export function wireResponse(callNo: number, fields: Partial<Omit<LlmResponseMessage, "v" | "type">> = {}): LlmResponseMessage {
  return {
    v: 1,
    type: "llm.response",
    id: callNo + 1,
    call: `c-${callNo}`,
    status: 200,
    usage: WIRE_USAGE,
    output: "hi",
    body: null,
    latency_ms: 5,
    stream: false,
    complete: true,
    error: null,
    request_id: null,
    model: "gpt-4o-mini",
    ...fields,
  };
}
