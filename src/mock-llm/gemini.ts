// Gemini's generateContent API: POST /v1beta/models/{model}:generateContent (a
// GenerateContentResponse), :streamGenerateContent (with ?alt=sse an event stream of
// GenerateContentResponse chunks, CRLF line ends, usageMetadata on each and the last one
// final; without it one JSON array of the chunks) and :countTokens ({"totalTokens": n}).
import { openStream, sendJson, type MockContext } from "./context.js";
import { RequestError } from "./errors.js";
import { randomAlphanumeric } from "./random.js";
import { promptTokens, textOf, type Prompt } from "./prompt.js";
import { buildReply, type Reply } from "./reply.js";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

// The text of a Content's parts (text parts only; inline data and function calls carry none).
function partsText(content: unknown): string {
  const parts = isRecord(content) && Array.isArray(content.parts) ? content.parts : [];
  return parts
    .map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : ""))
    .filter((t) => t !== "")
    .join("\n");
}

/** The prompt of a GenerateContentRequest: systemInstruction, then every content's text parts. */
export function geminiPrompt(body: Readonly<Record<string, unknown>>): Prompt {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    throw new RequestError("* GenerateContentRequest.contents: contents is not specified\n");
  }
  const system = partsText(body.systemInstruction);
  const texts = system === "" ? [] : [system];
  let lastUserText = "";
  for (const content of contents) {
    const text = isRecord(content) ? partsText(content) : textOf(content);
    if (text !== "") texts.push(text);
    if (isRecord(content) && (content.role === undefined || content.role === "user")) lastUserText = text;
  }
  return { texts, lastUserText };
}

// generationConfig.maxOutputTokens, when the request sets one.
function maxOutputTokens(body: Readonly<Record<string, unknown>>): number | undefined {
  const config = body.generationConfig;
  const value = isRecord(config) ? config.maxOutputTokens : undefined;
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** usageMetadata as generateContent reports it (no cache, no thinking in the mock). */
function usageMetadata(prompt: number, candidates: number): object {
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: prompt }],
  };
}

// One GenerateContentResponse carrying `text` for candidate 0.
function chunk(text: string, model: string, responseId: string, finishReason: string | undefined, usage: object): object {
  const candidate: Record<string, unknown> = { content: { parts: [{ text }], role: "model" } };
  if (finishReason !== undefined) candidate.finishReason = finishReason;
  candidate.index = 0;
  return { candidates: [candidate], usageMetadata: usage, modelVersion: model, responseId };
}

/** Handles generateContent and streamGenerateContent (`params.model`, `params.method`). */
export async function handleGenerateContent(ctx: MockContext): Promise<void> {
  const model = ctx.params.model ?? "";
  const prompt = geminiPrompt(ctx.body);
  const reply = buildReply({ prompt, echo: ctx.echo, fixedReply: ctx.fixedReply, maxTokens: maxOutputTokens(ctx.body) });
  const input = promptTokens(prompt);
  const finish = reply.truncated ? "MAX_TOKENS" : "STOP";
  const responseId = randomAlphanumeric(22);
  if (ctx.params.method !== "streamGenerateContent") {
    return sendJson(ctx, 200, chunk(reply.text, model, responseId, finish, usageMetadata(input, reply.outputTokens)));
  }
  if (!/(?:^|&)alt=sse(?:&|$)/.test(queryOf(ctx))) return sendJson(ctx, 200, chunks(reply, model, responseId, finish, input));
  await sseStream(ctx, reply, model, responseId, finish, input);
}

// The query string of the request URL ("" when none).
function queryOf(ctx: MockContext): string {
  const url = ctx.req.url ?? "";
  const at = url.indexOf("?");
  return at < 0 ? "" : url.slice(at + 1);
}

// The chunks of a streamed reply (without alt=sse: sent as one JSON array): one per reply chunk, the last with finishReason; usage grows as it goes.
function chunks(reply: Reply, model: string, responseId: string, finish: string, input: number): object[] {
  const pieces = reply.chunks.length > 0 ? reply.chunks : [""];
  return pieces.map((text, i) => {
    const last = i === pieces.length - 1;
    const output = last ? reply.outputTokens : Math.min(reply.outputTokens, i + 1);
    return chunk(text, model, responseId, last ? finish : undefined, last ? usageMetadata(input, output) : { promptTokenCount: input, totalTokenCount: input });
  });
}

// streamGenerateContent?alt=sse: `data: <chunk>` events with CRLF line ends, no end marker.
async function sseStream(ctx: MockContext, reply: Reply, model: string, responseId: string, finish: string, input: number): Promise<void> {
  const sse = openStream(ctx);
  for (const payload of chunks(reply, model, responseId, finish, input)) await sse.crlfData(payload);
  sse.end();
}

/** POST …:countTokens: {"totalTokens": n, "promptTokensDetails": […]} (not billed). */
export async function handleCountTokens(ctx: MockContext): Promise<void> {
  const request = isRecord(ctx.body.generateContentRequest) ? ctx.body.generateContentRequest : ctx.body;
  const tokens = promptTokens(geminiPrompt(request));
  sendJson(ctx, 200, { totalTokens: tokens, promptTokensDetails: [{ modality: "TEXT", tokenCount: tokens }] });
}
