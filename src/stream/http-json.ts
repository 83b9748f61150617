// JSON in and out for the dashboard's API: one error shape, `{error: {code, message}}`, and
// request bodies read with a size bound.
import type { IncomingMessage, ServerResponse } from "node:http";
import { SECURITY_HEADERS } from "./security-headers.js";

/** The largest request body the API reads. */
export const MAX_BODY_BYTES = 64 * 1024;

/** An API refusal: an HTTP status with a stable code and a message that says expected and got. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Sends a JSON answer (never cached: it holds live data). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

/** Sends `{error: {code, message}}`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}

/** Reads a JSON object body; throws HttpError 413 when too large, 400 when not a JSON object. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "IRON_ERR_USAGE", `the request body is too large: expected at most ${MAX_BODY_BYTES} bytes, got more`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "IRON_ERR_USAGE", `the request body is not JSON: expected a JSON object like {"action": "agent.stop", "agentId": "..."}, got ${JSON.stringify(text.slice(0, 60))}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "IRON_ERR_USAGE", `expected a JSON object like {"action": "agent.stop", "agentId": "..."}, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
