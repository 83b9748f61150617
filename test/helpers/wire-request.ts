// An llm.request as the shim puts it on the wire (protocol/SPEC.md §3.2): an OpenAI chat
// completion by default, each test overriding only the fields it is about.
import type { LlmRequestMessage } from "../../src/protocol/messages.js";

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
