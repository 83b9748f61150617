// POST /v1/messages: a `message` object, or its event stream (message_start, content_block_start,
// ping, content_block_delta…, content_block_stop, message_delta, message_stop); and
// POST /v1/messages/count_tokens: {"input_tokens": n}.
import { openStream, sendJson, type MockContext } from "./context.js";
import { anthropicMessageId } from "./ids.js";
import { anthropicPrompt, promptTokens } from "./prompt.js";
import { buildReply, type Reply } from "./reply.js";
import { anthropicMaxTokens, anthropicMessages, anthropicString } from "./validate.js";

/** Full usage as the Messages API reports it (no cache use in the mock). */
function usage(inputTokens: number, outputTokens: number): object {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

/** Handles one Messages API request. */
export async function handleMessages(ctx: MockContext): Promise<void> {
  const model = anthropicString(ctx.body, "model");
  const maxTokens = anthropicMaxTokens(ctx.body);
  const prompt = anthropicPrompt(ctx.body.system, anthropicMessages(ctx.body));
  const reply = buildReply({ prompt, echo: ctx.echo, fixedReply: ctx.fixedReply, maxTokens });
  const inputTokens = promptTokens(prompt);
  const head = { id: anthropicMessageId(), type: "message", role: "assistant", model };
  const stopReason = reply.truncated ? "max_tokens" : "end_turn";
  if (ctx.body.stream === true) return streamMessage(ctx, head, reply, inputTokens, stopReason);
  sendJson(ctx, 200, {
    ...head,
    content: [{ type: "text", text: reply.text }],
    stop_reason: stopReason,
    stop_sequence: null,
    usage: usage(inputTokens, reply.outputTokens),
  });
}

// The stream; message_delta's usage.output_tokens is the CUMULATIVE total, not an increment.
async function streamMessage(ctx: MockContext, head: object, reply: Reply, inputTokens: number, stopReason: string): Promise<void> {
  const sse = openStream(ctx);
  const send = (type: string, fields: object = {}) => sse.event(type, { type, ...fields });
  await send("message_start", {
    message: { ...head, content: [], stop_reason: null, stop_sequence: null, usage: usage(inputTokens, Math.min(1, reply.outputTokens)) },
  });
  await send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  await send("ping");
  for (const text of reply.chunks) await send("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
  await send("content_block_stop", { index: 0 });
  await send("message_delta", {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: reply.outputTokens },
  });
  await send("message_stop");
  sse.end();
}

/** POST /v1/messages/count_tokens: the prompt's token count by tokens.ts. */
export async function handleCountTokens(ctx: MockContext): Promise<void> {
  anthropicString(ctx.body, "model");
  const prompt = anthropicPrompt(ctx.body.system, anthropicMessages(ctx.body));
  sendJson(ctx, 200, { input_tokens: promptTokens(prompt) });
}
