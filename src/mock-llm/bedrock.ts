// AWS Bedrock's runtime API: POST /model/{modelId}/converse (a ConverseResponse), /converse-stream
// (application/vnd.amazon.eventstream: messageStart, contentBlockDelta…, contentBlockStop,
// messageStop, metadata with usage, each a CRC-checked binary frame), /invoke (an Anthropic
// Messages body for anthropic.* models, a Llama body for meta.*) and /invoke-with-response-stream
// (`chunk` frames whose {"bytes"} is the base64 of the model's own streaming body: Anthropic's
// Messages events or Llama's generations, the last with amazon-bedrock-invocationMetrics). Errors: the status, the code in
// x-amzn-ErrorType and {"message"} (botocore raises ClientError with that code). With requireAuth a
// SigV4 Authorization header is required; a request signed with the mock's own test key
// (MOCK_AWS_ACCESS_KEY / MOCK_AWS_SECRET_KEY) has its signature checked over the body that arrived.
import { createHash, createHmac } from "node:crypto";
import { sendJson, type MockContext } from "./context.js";
import { RequestError } from "./errors.js";
import { eventFrame } from "./event-stream.js";
import { anthropicPrompt, promptTokens, textOf, type Prompt } from "./prompt.js";
import { buildReply } from "./reply.js";
import { SseWriter } from "./sse.js";

/** The test key whose signatures the mock checks (any other key is accepted unchecked). */
export const MOCK_AWS_ACCESS_KEY = "AKIAIRONMOCK";
export const MOCK_AWS_SECRET_KEY = "iron-mock-secret";
export const EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string): Buffer => createHmac("sha256", key).update(data).digest();
// RFC 3986 escaping as SigV4 wants it (botocore escapes the already-escaped path once more).
const rfc3986 = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Why a SigV4 Authorization does not check out for this request, or null when it does (or is not the mock's key). */
export function sigV4Problem(method: string, rawPath: string, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer): string | null {
  const auth = String(headers.authorization ?? "");
  const found = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(auth);
  if (found === null) return "Missing Authentication Token";
  const [, key, day, region, service, signed, signature] = found as unknown as string[];
  if (key !== MOCK_AWS_ACCESS_KEY) return null;
  const [path = "/", query = ""] = rawPath.split("?", 2);
  const names = signed!.split(";");
  const canonicalHeaders = names
    .map(
      (n) =>
        `${n}:${String(headers[n] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const canonicalQuery = query === "" ? "" : query.split("&").sort().join("&");
  const canonicalPath = path.split("/").map(rfc3986).join("/");
  const request = [method, canonicalPath, canonicalQuery, canonicalHeaders, signed, sha256(body)].join("\n");
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", String(headers["x-amz-date"] ?? ""), scope, sha256(request)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${MOCK_AWS_SECRET_KEY}`, day!), region!), service!), "aws4_request");
  return createHmac("sha256", signingKey).update(toSign).digest("hex") === signature ? null : "The request signature we calculated does not match the signature you provided.";
}

// Converse's prompt: system blocks, then each message's text blocks.
function conversePrompt(body: Readonly<Record<string, unknown>>): Prompt {
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new RequestError("A conversation must start with a user message. Try again with a conversation that starts with a user message.");
  const system = Array.isArray(body.system) ? body.system.map(textOf).join("\n") : "";
  return anthropicPrompt(system, body.messages);
}

// inferenceConfig.maxTokens, or an InvokeModel body's max_tokens / max_gen_len.
function capOf(body: Readonly<Record<string, unknown>>): number | undefined {
  const value = isRecord(body.inferenceConfig) ? body.inferenceConfig.maxTokens : (body.max_tokens ?? body.max_gen_len);
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

// InvokeModelWithResponseStream's bodies for a reply: Anthropic's Messages events or Llama's generations.
function invokeStreamBodies(model: string, llama: boolean, input: number, reply: { chunks: readonly string[]; outputTokens: number; truncated: boolean }): unknown[] {
  const metrics = { "amazon-bedrock-invocationMetrics": { inputTokenCount: input, outputTokenCount: reply.outputTokens, invocationLatency: 1, firstByteLatency: 1 } };
  if (llama) {
    const bodies: unknown[] = reply.chunks.map((generation, at) => ({ generation, prompt_token_count: at === 0 ? input : null, generation_token_count: at + 1, stop_reason: null }));
    return [...bodies, { generation: "", prompt_token_count: null, generation_token_count: reply.outputTokens, stop_reason: reply.truncated ? "length" : "stop", ...metrics }];
  }
  const message = { id: "msg_bdrk_stream", type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1 } };
  return [
    { type: "message_start", message },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ...reply.chunks.map((text) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
    { type: "content_block_stop", index: 0 },
    { type: "message_delta", delta: { stop_reason: reply.truncated ? "max_tokens" : "end_turn", stop_sequence: null }, usage: { output_tokens: reply.outputTokens } },
    { type: "message_stop", ...metrics },
  ];
}

/** POST /model/{modelId}/{converse,converse-stream,invoke,invoke-with-response-stream} (`params.modelId`, `params.operation`). */
export async function handleBedrock(ctx: MockContext): Promise<void> {
  const model = ctx.params.modelId ?? "";
  const llama = /^(?:[a-z-]+\.)?meta\./.test(model);
  const invoked = ctx.params.operation === "invoke" || ctx.params.operation === "invoke-with-response-stream";
  const prompt = invoked && llama ? { texts: [String(ctx.body.prompt ?? "")], lastUserText: String(ctx.body.prompt ?? "") } : conversePrompt(ctx.body);
  const reply = buildReply({ prompt, echo: ctx.echo, fixedReply: ctx.fixedReply, maxTokens: capOf(ctx.body) });
  const input = promptTokens(prompt);
  const stop = reply.truncated ? "max_tokens" : "end_turn";
  const usage = { inputTokens: input, outputTokens: reply.outputTokens, totalTokens: input + reply.outputTokens };
  if (ctx.params.operation === "converse") {
    return sendJson(ctx, 200, { output: { message: { role: "assistant", content: [{ text: reply.text }] } }, stopReason: stop, usage, metrics: { latencyMs: 1 } });
  }
  if (ctx.params.operation === "invoke") {
    if (llama) return sendJson(ctx, 200, { generation: reply.text, prompt_token_count: input, generation_token_count: reply.outputTokens, stop_reason: reply.truncated ? "length" : "stop" });
    const content = [{ type: "text", text: reply.text }];
    return sendJson(ctx, 200, {
      id: `msg_bdrk_${ctx.requestId.slice(-12)}`,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: reply.outputTokens },
    });
  }
  const streamed = ctx.params.operation === "invoke-with-response-stream";
  ctx.res.writeHead(200, { "content-type": EVENT_STREAM_TYPE, "x-amzn-requestid": ctx.requestId, ...(streamed ? { "x-amzn-bedrock-content-type": "application/json" } : {}) });
  ctx.res.flushHeaders();
  const frames = new SseWriter(ctx.res, { chunkDelayMs: ctx.fault.chunkDelayMs, dropAfter: ctx.fault.dropAfter, signal: ctx.signal });
  if (streamed) {
    for (const body of invokeStreamBodies(model, llama, input, reply)) await frames.raw(eventFrame("chunk", { bytes: Buffer.from(JSON.stringify(body), "utf8").toString("base64") }));
    return frames.end();
  }
  await frames.raw(eventFrame("messageStart", { role: "assistant" }));
  for (const text of reply.chunks) await frames.raw(eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text } }));
  await frames.raw(eventFrame("contentBlockStop", { contentBlockIndex: 0 }));
  await frames.raw(eventFrame("messageStop", { stopReason: stop }));
  await frames.raw(eventFrame("metadata", { usage, metrics: { latencyMs: 1 } }));
  frames.end();
}
