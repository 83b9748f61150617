// One provider request, start to end: record → route → auth → version → faults → latency →
// injected status → JSON body → handler; every refusal in the provider's own error shape.
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ANTHROPIC_MISSING_KEY, GEMINI_MISSING_KEY, OPENAI_MISSING_KEY, hasApiKey } from "./auth.js";
import { parseJsonObject, readBody } from "./body.js";
import { sigV4Problem } from "./bedrock.js";
import { sendError, type MockContext } from "./context.js";
import { RequestError, type Provider } from "./errors.js";
import { faultFromHeaders, FaultValueError, resolveFault, type Fault, type FaultQueue } from "./faults.js";
import { anthropicRequestId, openAiRequestId } from "./ids.js";
import type { ResolvedMockLlmOptions } from "./options.js";
import type { RequestRecorder } from "./recorder.js";
import { matchRoute } from "./router.js";

/** Server-wide state a request reads. */
export interface DispatchState {
  readonly options: ResolvedMockLlmOptions;
  readonly recorder: RequestRecorder;
  readonly faults: FaultQueue;
  /** The seeded generator behind failRate. */
  readonly random: () => number;
  /** Aborted when the server closes. */
  readonly closing: AbortSignal;
}

const NO_FAULT: Fault = { status: undefined, latencyMs: 0, chunkDelayMs: 0, dropAfter: undefined, retryAfter: 1, shouldRetry: undefined };

const OPENAI_BAD_JSON =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

// First value of a header ("" when absent).
function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

// x-mock-echo: 1/true turns echo on, 0/false off; absent → the server option.
function echoFor(req: IncomingMessage, fallback: boolean): boolean {
  const value = header(req, "x-mock-echo").trim().toLowerCase();
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  return fallback;
}

/** Serves one request on a provider path (anything outside /_mock/). */
export async function dispatch(state: DispatchState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = req.method ?? "GET";
  const match = matchRoute(method, path, req.headers);
  const provider = match.provider;
  const requestId = provider === "anthropic" ? anthropicRequestId() : openAiRequestId();
  const query = new URL(req.url ?? "/", "http://mock.invalid").searchParams;
  const record = state.recorder.start({ method, path, provider, requestId, headers: req.headers });
  const signal = requestSignal(state.closing, res);
  const startedAt = performance.now();
  res.on("close", () => {
    const status = res.headersSent ? res.statusCode : null;
    record.finish(status);
    const body = record.entry.body as Record<string, unknown> | null;
    state.options.logger.info(
      { method, path, status, ms: Math.round(performance.now() - startedAt), requestId, model: body?.model, stream: body?.stream === true, completed: res.writableFinished },
      "mock-llm request",
    );
  });
  const fixedReply = req.headers["x-mock-reply"] === undefined ? state.options.reply : header(req, "x-mock-reply");
  const base: MockContext = { provider, req, res, method, path, params: {}, requestId, startedAt, body: {}, fault: NO_FAULT, echo: echoFor(req, state.options.echo), fixedReply, signal };
  let ctx = base;
  try {
    const raw = await readBody(req, state.options.maxBodyBytes);
    if (raw.tooLarge) return sendError(ctx, 413);
    const parsed = parseJsonObject(raw.text, method === "GET");
    record.body(raw.text === "" ? null : parsed.ok ? parsed.value : raw.text);
    if (match.kind !== "route") return noRoute(ctx, match.kind);
    if (state.options.requireAuth && provider === "bedrock") {
      const problem = sigV4Problem(method, req.url ?? path, req.headers, Buffer.from(raw.text, "utf8"));
      if (problem !== null) return sendError(ctx, 403, problem);
    }
    if (state.options.requireAuth && provider !== "ollama" && provider !== "bedrock" && !hasApiKey(provider, req.headers, query)) {
      if (provider === "gemini") return sendError(ctx, 403, GEMINI_MISSING_KEY);
      if (provider === "azure") return sendError(ctx, 401);
      return sendError(ctx, 401, provider === "anthropic" ? ANTHROPIC_MISSING_KEY : OPENAI_MISSING_KEY, { code: null });
    }
    if (provider === "anthropic" && header(req, "anthropic-version") === "") return sendError(ctx, 400, "anthropic-version: header is required");
    ctx = { ...ctx, fault: faultFor(state, req, path) };
    if (ctx.fault.latencyMs > 0) await sleep(ctx.fault.latencyMs, undefined, { signal });
    if (ctx.fault.status !== undefined) return sendError(ctx, ctx.fault.status);
    if (!parsed.ok) return sendError(ctx, 400, badJsonMessage(provider, parsed.reason), {});
    await match.route.handle({ ...ctx, body: parsed.value, params: match.params });
  } catch (error) {
    if (error instanceof RequestError) return sendError(ctx, error.status, error.message, error.fields);
    if (error instanceof FaultValueError) return sendError(ctx, 400, error.message, { param: error.key, code: "invalid_value" });
    if (signal.aborted) return;
    state.options.logger.error({ err: error, path }, "mock-llm handler failed");
    if (!res.headersSent) sendError(ctx, 500);
    else res.destroy();
  }
}

// Each provider's words for a body that is not JSON.
function badJsonMessage(provider: Provider, reason: string): string {
  if (provider === "anthropic") return `The request body is not valid JSON: ${reason}`;
  if (provider === "gemini") return `Invalid JSON payload received. ${reason}`;
  if (provider === "ollama") return `invalid character in request body: ${reason}`;
  return OPENAI_BAD_JSON;
}

// 404 for an unknown path, 405 for a known path with the wrong method, in the provider's words.
function noRoute(ctx: MockContext, kind: "not-found" | "method-not-allowed"): void {
  const anthropic = ctx.provider === "anthropic";
  if (ctx.provider === "gemini") return sendError(ctx, kind === "not-found" ? 404 : 405, kind === "not-found" ? `Method not found: ${ctx.path}` : undefined);
  if (ctx.provider === "ollama") return sendError(ctx, kind === "not-found" ? 404 : 405);
  if (kind === "not-found") return sendError(ctx, 404, anthropic ? "Not Found" : `Invalid URL (${ctx.method} ${ctx.path})`, {});
  return sendError(ctx, 405, anthropic ? "Method Not Allowed" : `Invalid method for URL (${ctx.method} ${ctx.path})`, {});
}

// Header > queued > server-wide; draws from the seeded generator only when failRate is fractional.
function faultFor(state: DispatchState, req: IncomingMessage, path: string): Fault {
  const fromHeaders = faultFromHeaders(req.headers);
  const queued = state.faults.take(path);
  const rate = state.options.failRate;
  const failPicked = rate >= 1 || (rate > 0 && state.random() < rate);
  return resolveFault(fromHeaders, queued, state.options, failPicked);
}

// A signal that fires when the server closes or the response ends (client gone, or done).
function requestSignal(closing: AbortSignal, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (closing.aborted) abort();
  else closing.addEventListener("abort", abort, { once: true });
  res.on("close", () => {
    closing.removeEventListener("abort", abort);
    abort();
  });
  return controller.signal;
}
