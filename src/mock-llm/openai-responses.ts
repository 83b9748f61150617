// POST /v1/responses: a `response` object with one output message, or its stream of typed
// events (`event: <type>` + data with `type` and an increasing `sequence_number`; no [DONE]).
import { openStream, sendJson, type MockContext } from "./context.js";
import { obfuscation, responseId, responseItemId, unixSeconds } from "./ids.js";
import { promptTokens, responsesPrompt } from "./prompt.js";
import { buildReply, type Reply } from "./reply.js";
import { responsesUsage } from "./openai-usage.js";
import { openAiMaxTokens, openAiModel } from "./validate.js";

type Status = "in_progress" | "completed" | "incomplete";

/** Handles one Responses API request. */
export async function handleResponses(ctx: MockContext): Promise<void> {
  const model = openAiModel(ctx.body);
  const maxTokens = openAiMaxTokens(ctx.body, "max_output_tokens");
  const prompt = responsesPrompt(ctx.body.input, ctx.body.instructions);
  const reply = buildReply({ prompt, echo: ctx.echo, fixedReply: ctx.fixedReply, maxTokens });
  const build = responseBuilder(ctx, model, reply, promptTokens(prompt));
  if (ctx.body.stream === true) return streamResponse(ctx, build, reply);
  sendJson(ctx, 200, build.response(finalStatus(reply)));
}

/** "incomplete" when max_output_tokens cut the reply, else "completed". */
function finalStatus(reply: Reply): Status {
  return reply.truncated ? "incomplete" : "completed";
}

/** Builds the response object, its message item and its text part at each stage. */
function responseBuilder(ctx: MockContext, model: string, reply: Reply, inputTokens: number) {
  const id = responseId();
  const itemId = responseItemId();
  const createdAt = unixSeconds();
  const part = (text: string) => ({ type: "output_text", annotations: [], logprobs: [], text });
  const item = (status: Status) => ({
    id: itemId,
    type: "message",
    status,
    content: status === "in_progress" ? [] : [part(reply.text)],
    role: "assistant",
  });
  const response = (status: Status) => ({
    id,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: ctx.body.instructions ?? null,
    max_output_tokens: ctx.body.max_output_tokens ?? null,
    max_tool_calls: null,
    model,
    output: status === "in_progress" ? [] : [item(status)],
    parallel_tool_calls: true,
    previous_response_id: ctx.body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: ctx.body.store ?? true,
    temperature: ctx.body.temperature ?? 1.0,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: "auto",
    tools: [],
    top_logprobs: 0,
    top_p: ctx.body.top_p ?? 1.0,
    truncation: "disabled",
    usage: status === "in_progress" ? null : responsesUsage(inputTokens, reply.outputTokens),
    user: null,
    metadata: ctx.body.metadata ?? {},
  });
  return { itemId, part, item, response };
}

// The event sequence the real API sends for a single text message.
async function streamResponse(ctx: MockContext, build: ReturnType<typeof responseBuilder>, reply: Reply): Promise<void> {
  const sse = openStream(ctx);
  const obfuscate = (ctx.body.stream_options as { include_obfuscation?: unknown } | null | undefined)?.include_obfuscation !== false;
  let sequence = 0;
  const send = (type: string, fields: object) => sse.event(type, { type, sequence_number: sequence++, ...fields });
  const where = { item_id: build.itemId, output_index: 0, content_index: 0 };
  const status = finalStatus(reply);
  await send("response.created", { response: build.response("in_progress") });
  await send("response.in_progress", { response: build.response("in_progress") });
  await send("response.output_item.added", { output_index: 0, item: build.item("in_progress") });
  await send("response.content_part.added", { ...where, part: build.part("") });
  for (const delta of reply.chunks) await send("response.output_text.delta", { ...where, delta, logprobs: [], ...(obfuscate ? { obfuscation: obfuscation() } : {}) });
  await send("response.output_text.done", { ...where, text: reply.text, logprobs: [] });
  await send("response.content_part.done", { ...where, part: build.part(reply.text) });
  await send("response.output_item.done", { output_index: 0, item: build.item(status) });
  await send(status === "completed" ? "response.completed" : "response.incomplete", { response: build.response(status) });
  sse.end();
}
