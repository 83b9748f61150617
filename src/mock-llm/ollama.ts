// Ollama's own API: POST /api/chat and /api/generate. Both stream by default (NDJSON,
// `application/x-ndjson`: one object per line, `done: false` until the last, which carries
// done_reason and the counts prompt_eval_count / eval_count); `"stream": false` answers with the
// last object whole. Errors are a bare string, `{"error": "..."}`, on any status and mid-stream.
import { sendJson, type MockContext } from "./context.js";
import { RequestError } from "./errors.js";
import { chatPrompt, promptTokens, type Prompt } from "./prompt.js";
import { buildReply, type Reply } from "./reply.js";
import { PROVIDER_WIRE } from "./provider-facts.js";
import { SseWriter } from "./sse.js";

/** The content type of Ollama's streams (application/x-ndjson), from the wire facts the shim reads. */
export const NDJSON_TYPE = PROVIDER_WIRE.ollama.stream_content_type;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

// The model, required as Ollama requires it.
function modelOf(body: Readonly<Record<string, unknown>>): string {
  if (typeof body.model !== "string" || body.model === "") throw new RequestError("model is required");
  return body.model;
}

// options.num_predict, when set to a positive integer (-1 and absent: no cap).
function numPredict(body: Readonly<Record<string, unknown>>): number | undefined {
  const value = isRecord(body.options) ? body.options.num_predict : undefined;
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

// /api/generate's prompt: `system` then `prompt`.
function generatePrompt(body: Readonly<Record<string, unknown>>): Prompt {
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  const texts = [typeof body.system === "string" ? body.system : "", prompt].filter((t) => t !== "");
  return { texts, lastUserText: prompt };
}

// The timing fields Ollama reports beside the counts (nanoseconds; the mock's are nominal).
function finalFields(reply: Reply, input: number): Record<string, unknown> {
  return {
    done_reason: reply.truncated ? "length" : "stop",
    done: true,
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: input,
    prompt_eval_duration: 200_000,
    eval_count: reply.outputTokens,
    eval_duration: 700_000,
  };
}

/** POST /api/chat and /api/generate (`params.endpoint`: chat or generate). */
export async function handleOllama(ctx: MockContext): Promise<void> {
  const chat = ctx.params.endpoint === "chat";
  const model = modelOf(ctx.body);
  if (chat && !Array.isArray(ctx.body.messages)) throw new RequestError("messages is required");
  const prompt = chat ? chatPrompt(ctx.body.messages as unknown[]) : generatePrompt(ctx.body);
  const reply = buildReply({ prompt, echo: ctx.echo, fixedReply: ctx.fixedReply, maxTokens: numPredict(ctx.body) });
  const head = { model, created_at: new Date().toISOString() };
  const piece = (text: string): Record<string, unknown> => (chat ? { message: { role: "assistant", content: text } } : { response: text });
  const last = { ...head, ...piece(""), ...finalFields(reply, promptTokens(prompt)), ...(chat ? {} : { context: [1, 2, 3] }) };
  if (ctx.body.stream === false) return sendJson(ctx, 200, { ...last, ...piece(reply.text) });
  ctx.res.writeHead(200, { "content-type": NDJSON_TYPE });
  ctx.res.flushHeaders();
  const lines = new SseWriter(ctx.res, { chunkDelayMs: ctx.fault.chunkDelayMs, dropAfter: ctx.fault.dropAfter, signal: ctx.signal });
  for (const text of reply.chunks) await lines.line({ ...head, ...piece(text), done: false });
  await lines.line(last);
  lines.end();
}
