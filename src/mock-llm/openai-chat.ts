// POST /v1/chat/completions: a `chat.completion` object, or a stream of
// `chat.completion.chunk` objects ending in `data: [DONE]`.
import { openStream, sendJson, type MockContext } from "./context.js";
import { chatCompletionId, obfuscation, unixSeconds } from "./ids.js";
import { chatPrompt, promptTokens } from "./prompt.js";
import { buildReply, type Reply } from "./reply.js";
import { chatUsage, SYSTEM_FINGERPRINT } from "./openai-usage.js";
import { openAiMaxTokens, openAiMessages, openAiModel } from "./validate.js";

/** Handles one chat completion request. */
export async function handleChatCompletions(ctx: MockContext): Promise<void> {
  const model = openAiModel(ctx.body);
  const messages = openAiMessages(ctx.body, "messages");
  const maxTokens = openAiMaxTokens(ctx.body, "max_completion_tokens") ?? openAiMaxTokens(ctx.body, "max_tokens");
  const prompt = chatPrompt(messages);
  const reply = buildReply({ prompt, echo: ctx.echo, fixedReply: ctx.fixedReply, maxTokens });
  const usage = chatUsage(promptTokens(prompt), reply.outputTokens);
  const head = { id: chatCompletionId(), created: unixSeconds(), model };
  if (ctx.body.stream === true) return streamChat(ctx, head, reply, usage);
  sendJson(ctx, 200, {
    id: head.id,
    object: "chat.completion",
    created: head.created,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: reply.text, refusal: null, annotations: [] }, logprobs: null, finish_reason: finishReason(reply) }],
    usage,
    service_tier: "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
}

/** "length" when max tokens cut the reply, else "stop". */
function finishReason(reply: Reply): string {
  return reply.truncated ? "length" : "stop";
}

// The stream: role chunk, one chunk per piece, finish chunk, usage chunk (include_usage only), [DONE].
async function streamChat(ctx: MockContext, head: { id: string; created: number; model: string }, reply: Reply, usage: object): Promise<void> {
  const options = ctx.body.stream_options as { include_usage?: unknown; include_obfuscation?: unknown } | null | undefined;
  const includeUsage = options?.include_usage === true;
  const obfuscate = options?.include_obfuscation !== false;
  const sse = openStream(ctx);
  const chunk = (choices: object[], extra: object = {}): object => ({
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    service_tier: "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
    ...(obfuscate ? { obfuscation: obfuscation() } : {}),
  });
  const choice = (delta: object, finish: string | null = null): object => ({ index: 0, delta, logprobs: null, finish_reason: finish });
  await sse.data(chunk([choice({ role: "assistant", content: "", refusal: null })]));
  for (const piece of reply.chunks) await sse.data(chunk([choice({ content: piece })]));
  await sse.data(chunk([choice({}, finishReason(reply))]));
  if (includeUsage) await sse.data(chunk([], { usage }));
  await sse.done();
  sse.end();
}
