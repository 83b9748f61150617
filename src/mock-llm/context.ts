// One request as the endpoint handlers see it, and the helpers they answer with.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Fault } from "./faults.js";
import { bedrockErrorCode, providerErrorBody, type OpenAiErrorFields, type Provider } from "./errors.js";
import { SseWriter } from "./sse.js";

/** JSON and SSE content types as the providers send them. */
export const JSON_TYPE = "application/json";
export const OPENAI_ERROR_JSON_TYPE = "application/json; charset=utf-8";
export const GEMINI_JSON_TYPE = "application/json; charset=UTF-8";
export const SSE_TYPE = "text/event-stream; charset=utf-8";

/** Everything a handler needs about one request. */
export interface MockContext {
  readonly provider: Provider;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly path: string;
  /** Path parameters (e.g. `id` in /v1/models/{id}). */
  readonly params: Readonly<Record<string, string>>;
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** The parsed JSON body ({} for requests without one). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly fault: Fault;
  /** Reply with the last user message verbatim. */
  readonly echo: boolean;
  /** Reply with this text (from `x-mock-reply` or the reply option). */
  readonly fixedReply: string | undefined;
  /** Aborted when the client goes away or the server closes. */
  readonly signal: AbortSignal;
  /** Rewrites a 200 JSON answer before it is sent (Azure adds its content-filter results). */
  readonly decorate?: (body: unknown) => unknown;
}

/** The provider's own response headers: request id, and for OpenAI the processing time and version. */
export function providerHeaders(ctx: MockContext): Record<string, string> {
  if (ctx.provider === "anthropic") return { "request-id": ctx.requestId };
  if (ctx.provider === "ollama") return {};
  if (ctx.provider === "bedrock") return { "x-amzn-requestid": ctx.requestId };
  if (ctx.provider === "azure") return { "apim-request-id": ctx.requestId, "x-request-id": ctx.requestId, "x-ms-region": "East US" };
  if (ctx.provider === "gemini") return { "server-timing": `gfet4t7; dur=${Math.round(performance.now() - ctx.startedAt)}` };
  return {
    "x-request-id": ctx.requestId,
    "openai-processing-ms": String(Math.round(performance.now() - ctx.startedAt)),
    "openai-version": "2020-10-01",
  };
}

/** Answers with a JSON body; a drop-after fault cuts the connection before the body instead. */
export function sendJson(ctx: MockContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (ctx.res.destroyed) return;
  if (ctx.fault.dropAfter !== undefined && status < 400) {
    ctx.res.destroy();
    return;
  }
  const text = JSON.stringify(status < 400 && ctx.decorate !== undefined ? ctx.decorate(body) : body);
  const type = ctx.provider === "gemini" ? GEMINI_JSON_TYPE : ctx.provider === "ollama" || (status >= 400 && ctx.provider === "openai") ? OPENAI_ERROR_JSON_TYPE : JSON_TYPE;
  ctx.res.writeHead(status, { ...providerHeaders(ctx), ...headers, "content-type": type, "content-length": Buffer.byteLength(text) });
  ctx.res.end(text);
}

/** Answers with the provider's error body for `status`, plus retry headers where the providers send them. */
export function sendError(ctx: MockContext, status: number, message?: string, fields?: OpenAiErrorFields): void {
  const headers: Record<string, string> = {};
  if (status === 429 || status === 503 || status === 529) {
    headers["retry-after"] = String(Math.ceil(ctx.fault.retryAfter));
    headers["retry-after-ms"] = String(Math.round(ctx.fault.retryAfter * 1000));
  }
  if (ctx.fault.shouldRetry !== undefined) headers["x-should-retry"] = String(ctx.fault.shouldRetry);
  if (ctx.provider === "bedrock") headers["x-amzn-errortype"] = `${bedrockErrorCode(status)}:http://internal.amazon.com/coral/com.amazon.bedrock/`;
  const body = providerErrorBody(ctx.provider, status, ctx.requestId, message, fields);
  sendJson({ ...ctx, fault: { ...ctx.fault, dropAfter: undefined } }, status, body, headers);
}

/** Starts a 200 event stream (headers flushed at once) paced and cut by the request's fault. */
export function openStream(ctx: MockContext): SseWriter {
  ctx.res.writeHead(200, { ...providerHeaders(ctx), "content-type": SSE_TYPE, "cache-control": "no-cache", connection: "keep-alive" });
  ctx.res.flushHeaders();
  return new SseWriter(ctx.res, { chunkDelayMs: ctx.fault.chunkDelayMs, dropAfter: ctx.fault.dropAfter, signal: ctx.signal });
}
