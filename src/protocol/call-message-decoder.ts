// A hand-written decoder for the two messages of every governed call (llm.request and llm.response,
// SPEC 3.4 and 3.6), as decision-encoder.ts is for the replies. The generic path decodes a frame into
// a map object (one generic store per key) and then parse.ts reads that map field by field through
// a Reader; here the envelope's entries go straight into locals and the message is built once, in
// its final shape. Nested values (headers, attrs, est_tokens, usage, a body) are read by the generic
// decoder's own `read`. It gives exactly what `parseInbound(decode(bytes))` gives, or null for
// anything else — another message type, a key that is not a string, a field off the spec, malformed
// or truncated input — which then takes the generic path, and so gets the same IRON_ERR_PROTOCOL.
import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from "./constants.js";
import type { LlmRequestMessage, LlmResponseMessage, WireUsage } from "./messages.js";
import { MAX_DEPTH, MsgpackReader, readMsgpack } from "./msgpack-decode.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Not this decoder's to answer: the generic path decides (and names what is wrong). */
const NOT_MINE = null;

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

const isInt = Number.isInteger as (value: unknown) => value is number;

// The entries of an envelope, by key; absent keys stay undefined, as on the generic path's map.
class Fields {
  v: unknown = undefined;
  type: unknown = undefined;
  id: unknown = undefined;
  call: unknown = undefined;
  provider: unknown = undefined;
  endpoint: unknown = undefined;
  model: unknown = undefined;
  method: unknown = undefined;
  url: unknown = undefined;
  headers: unknown = undefined;
  body: unknown = undefined;
  body_json: unknown = undefined;
  stream: unknown = undefined;
  est_tokens: unknown = undefined;
  library: unknown = undefined;
  attrs: unknown = undefined;
  status: unknown = undefined;
  usage: unknown = undefined;
  output: unknown = undefined;
  latency_ms: unknown = undefined;
  complete: unknown = undefined;
  error: unknown = undefined;
  request_id: unknown = undefined;
  retry_after: unknown = undefined;
  reply: unknown = undefined;
  finish_reasons: unknown = undefined;
  admitted: unknown = undefined;
}

// Stores one entry; a key parse.ts never reads is ignored, as parse.ts ignores it.
function keep(f: Fields, key: string, value: unknown): void {
  switch (key) {
    case "v":
      f.v = value;
      return;
    case "type":
      f.type = value;
      return;
    case "id":
      f.id = value;
      return;
    case "call":
      f.call = value;
      return;
    case "provider":
      f.provider = value;
      return;
    case "endpoint":
      f.endpoint = value;
      return;
    case "model":
      f.model = value;
      return;
    case "method":
      f.method = value;
      return;
    case "url":
      f.url = value;
      return;
    case "headers":
      f.headers = value;
      return;
    case "body":
      f.body = value;
      return;
    case "body_json":
      f.body_json = value;
      return;
    case "stream":
      f.stream = value;
      return;
    case "est_tokens":
      f.est_tokens = value;
      return;
    case "library":
      f.library = value;
      return;
    case "attrs":
      f.attrs = value;
      return;
    case "status":
      f.status = value;
      return;
    case "usage":
      f.usage = value;
      return;
    case "output":
      f.output = value;
      return;
    case "latency_ms":
      f.latency_ms = value;
      return;
    case "complete":
      f.complete = value;
      return;
    case "error":
      f.error = value;
      return;
    case "request_id":
      f.request_id = value;
      return;
    case "retry_after":
      f.retry_after = value;
      return;
    case "reply":
      f.reply = value;
      return;
    case "finish_reasons":
      f.finish_reasons = value;
      return;
    case "admitted":
      f.admitted = value;
      return;
  }
}

/**
 * The llm.request or llm.response in `bytes`, exactly as `parseInbound(decode(bytes))` gives it;
 * null when the frame is anything else or anything is off (the generic path then answers).
 */
export function decodeCallMessage(bytes: Uint8Array): LlmRequestMessage | LlmResponseMessage | null {
  if (bytes.length === 0 || bytes.length > MAX_MESSAGE_BYTES) return NOT_MINE;
  const f = new Fields();
  try {
    const r = new MsgpackReader(bytes);
    const head = r.u8();
    const n = (head & 0xf0) === 0x80 ? head & 0x0f : head === 0xde ? r.u16() : NOT_MINE;
    if (n === NOT_MINE) return NOT_MINE;
    r.need(2 * n);
    for (let i = 0; i < n; i += 1) {
      const k = r.u8();
      const length = (k & 0xe0) === 0xa0 ? k & 0x1f : k === 0xd9 ? r.u8() : -1;
      if (length < 0) return NOT_MINE; // a key that is not a short string: never one the envelope reads
      const key = r.str(length);
      if (key === "__proto__") return NOT_MINE;
      if (key === "headers") f.headers = sameMapAgain(r, lastHeaders);
      else if (key === "attrs") f.attrs = sameMapAgain(r, lastAttrs);
      else keep(f, key, readMsgpack(r, MAX_DEPTH - 1));
    }
    if (r.pos !== bytes.length) return NOT_MINE;
  } catch {
    return NOT_MINE;
  }
  if (!isInt(f.id) || f.id < 0 || f.id >= 2 ** 32 || f.v !== PROTOCOL_VERSION) return NOT_MINE;
  if (f.type === "llm.request") return request(f, f.id);
  if (f.type === "llm.response") return response(f, f.id);
  return NOT_MINE;
}

/** The bytes of the last map of strings read under one key, and that map (never handed out, only copied). */
interface LastMap {
  bytes: Buffer | null;
  map: Record<string, string> | null;
}

const lastHeaders: LastMap = { bytes: null, map: null };
const lastAttrs: LastMap = { bytes: null, map: null };

/**
 * A map of strings (headers, attrs: the same bytes call after call from one agent) as the generic
 * decoder reads it: a fresh copy of the last one when its bytes are the same, else read, and kept
 * when it is a map of strings under string keys.
 */
function sameMapAgain(r: MsgpackReader, last: LastMap): unknown {
  const start = r.pos;
  const end = stringMapEnd(r.bytes, start);
  if (end > 0 && last.bytes !== null && last.bytes.length === end - start && last.bytes.compare(r.bytes, start, end) === 0) {
    r.pos = end;
    return { ...last.map };
  }
  const value = readMsgpack(r, MAX_DEPTH - 1);
  if (end > 0 && isObj(value) && !Object.hasOwn(value, "__proto__") && stringMap(value) !== null) {
    last.bytes = Buffer.from(r.bytes.subarray(start, end));
    last.map = { ...(value as Record<string, string>) };
  }
  return value;
}

// Where a map with only string keys and string values that starts at `at` ends; -1 when it is anything else.
function stringMapEnd(bytes: Uint8Array, at: number): number {
  const head = bytes[at];
  let n: number;
  let pos: number;
  if (head !== undefined && (head & 0xf0) === 0x80) {
    n = head & 0x0f;
    pos = at + 1;
  } else if (head === 0xde && at + 2 < bytes.length) {
    n = ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
    pos = at + 3;
  } else return -1;
  for (let i = 0; i < 2 * n; i += 1) {
    const b = bytes[pos];
    if (b === undefined) return -1;
    if ((b & 0xe0) === 0xa0) pos += 1 + (b & 0x1f);
    else if (b === 0xd9 && pos + 1 < bytes.length) pos += 2 + (bytes[pos + 1] as number);
    else return -1;
  }
  return pos <= bytes.length ? pos : -1;
}

// parse.ts's llm.request, field for field.
function request(f: Fields, id: number): LlmRequestMessage | null {
  const { call, provider, endpoint, model, method, url, stream, library } = f;
  if (typeof call !== "string" || typeof provider !== "string" || typeof endpoint !== "string" || typeof method !== "string" || typeof url !== "string") return NOT_MINE;
  if (!optString(model) || typeof stream !== "boolean" || !optString(library) || !optString(f.admitted)) return NOT_MINE;
  const est = f.est_tokens;
  if (!isObj(est) || !isInt(est.input) || !optInt(est.output)) return NOT_MINE;
  const headers = stringMap(f.headers);
  const attrs = stringMap(f.attrs);
  const body = bodyOf(f);
  if (headers === null || attrs === null || body === NO_BODY) return NOT_MINE;
  return {
    v: PROTOCOL_VERSION,
    type: "llm.request",
    id,
    call,
    provider,
    endpoint,
    model: model ?? null,
    method,
    url,
    headers,
    body,
    stream,
    est_tokens: { input: est.input, output: (est.output as number | null | undefined) ?? null },
    library: library ?? "unknown",
    attrs,
    ...(typeof f.admitted === "string" && { admitted: f.admitted }),
  };
}

// parse.ts's llm.response, field for field (reply and finish_reasons only when sent).
function response(f: Fields, id: number): LlmResponseMessage | null {
  const { call, status, output, latency_ms, stream, complete, error, request_id, model, retry_after, reply, finish_reasons } = f;
  if (typeof call !== "string" || !isInt(status) || !optString(output) || typeof stream !== "boolean" || typeof complete !== "boolean") return NOT_MINE;
  if (typeof latency_ms !== "number" || !Number.isFinite(latency_ms)) return NOT_MINE;
  if (!optString(error) || !optString(request_id) || !optString(model)) return NOT_MINE;
  if (retry_after != null && !(typeof retry_after === "number" && Number.isFinite(retry_after) && retry_after >= 0)) return NOT_MINE;
  if (reply != null && typeof reply !== "boolean") return NOT_MINE;
  if (finish_reasons != null && !(Array.isArray(finish_reasons) && finish_reasons.every((item) => typeof item === "string"))) return NOT_MINE;
  const usage = usageOf(f.usage);
  const body = bodyOf(f);
  if (usage === NO_USAGE || body === NO_BODY) return NOT_MINE;
  const message: LlmResponseMessage = {
    v: PROTOCOL_VERSION,
    type: "llm.response",
    id,
    call,
    status,
    usage,
    output: output ?? "",
    body,
    latency_ms,
    stream,
    complete,
    error: error ?? null,
    request_id: request_id ?? null,
    model: model ?? null,
    retry_after: (retry_after as number | null | undefined) ?? null,
  };
  if (reply === false) (message as { reply?: boolean }).reply = false;
  if (finish_reasons != null) (message as { finish_reasons?: readonly string[] }).finish_reasons = (finish_reasons as string[]).slice(0, 16);
  return message;
}

function optString(value: unknown): value is string | null | undefined {
  return value == null || typeof value === "string";
}

function optInt(value: unknown): boolean {
  return value == null || isInt(value);
}

// A map of strings as parse.ts takes it (nil or absent: a new empty map); null when it is not one.
function stringMap(value: unknown): Record<string, string> | null {
  if (value == null) return {};
  if (!isObj(value)) return null;
  for (const key in value) if (Object.hasOwn(value, key) && typeof value[key] !== "string") return null;
  return value as Record<string, string>;
}

const NO_BODY = Symbol("no body");

// The body: body_json's bytes parsed, else `body` as decoded (absent: null); NO_BODY when body_json is not UTF-8 JSON.
function bodyOf(f: Fields): unknown {
  const raw = f.body_json;
  if (raw == null) return f.body === undefined ? null : f.body;
  if (!(raw instanceof Uint8Array)) return NO_BODY;
  try {
    return JSON.parse(utf8.decode(raw));
  } catch {
    return NO_BODY;
  }
}

const NO_USAGE = Symbol("no usage");

// The usage's token counts (each nil or absent: 0), or null when none was reported.
function usageOf(value: unknown): WireUsage | null | typeof NO_USAGE {
  if (value == null) return null;
  if (!isObj(value)) return NO_USAGE;
  const { input_tokens, output_tokens, cached_input_tokens, cache_creation_input_tokens, reasoning_tokens } = value;
  if (!optInt(input_tokens) || !optInt(output_tokens) || !optInt(cached_input_tokens) || !optInt(cache_creation_input_tokens) || !optInt(reasoning_tokens)) return NO_USAGE;
  return {
    input_tokens: (input_tokens as number | null | undefined) ?? 0,
    output_tokens: (output_tokens as number | null | undefined) ?? 0,
    cached_input_tokens: (cached_input_tokens as number | null | undefined) ?? 0,
    cache_creation_input_tokens: (cache_creation_input_tokens as number | null | undefined) ?? 0,
    reasoning_tokens: (reasoning_tokens as number | null | undefined) ?? 0,
  };
}
