// Validates decoded payloads into typed inbound messages; anything off-spec is IRON_ERR_PROTOCOL.
import { IronError, describe } from "../errors.js";
import { AUTH_NONCE_BYTES, AUTH_PROOF_BYTES, HELLO_LIMITS, PROTOCOL_VERSION } from "./constants.js";
import type { ByeMessage, HeartbeatMessage, HelloMessage, InboundMessage, LlmRequestMessage, LlmChunkMessage, LlmResponseMessage, ProofMessage, WireUsage } from "./messages.js";

type Obj = Record<string, unknown>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

// A field reader that names the message type and key in every error.
class Reader {
  constructor(
    private readonly obj: Obj,
    private readonly type: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new IronError("IRON_ERR_PROTOCOL", `bad ${this.type} message`, {
      path: key,
      expected,
      got: this.obj[key],
    });
  }

  str(key: string): string {
    const value = this.obj[key];
    return typeof value === "string" ? value : this.fail(key, "a string");
  }

  /** A string of at most `max` characters (hello fields: a peer that has not authenticated). */
  shortStr(key: string, max: number): string {
    const value = this.str(key);
    return value.length <= max ? value : this.fail(key, `a string of at most ${max} characters`);
  }

  optShortStr(key: string, max: number): string | null {
    const value = this.optStr(key);
    return value === null || value.length <= max ? value : this.fail(key, `a string of at most ${max} characters or nil`);
  }

  optStr(key: string): string | null {
    const value = this.obj[key];
    if (value === undefined || value === null) return null;
    return typeof value === "string" ? value : this.fail(key, "a string or nil");
  }

  int(key: string): number {
    const value = this.obj[key];
    return Number.isInteger(value) ? (value as number) : this.fail(key, "an integer");
  }

  optInt(key: string): number | null {
    const value = this.obj[key];
    if (value === undefined || value === null) return null;
    return Number.isInteger(value) ? (value as number) : this.fail(key, "an integer or nil");
  }

  num(key: string): number {
    const value = this.obj[key];
    return typeof value === "number" && Number.isFinite(value) ? value : this.fail(key, "a number");
  }

  optNum(key: string): number | null {
    const value = this.obj[key];
    if (value === undefined || value === null) return null;
    return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : this.fail(key, "a number >= 0 or nil");
  }

  /** Exactly `size` bytes of msgpack binary (nonces and proofs). */
  bytes(key: string, size: number): Uint8Array {
    const value = this.obj[key];
    return value instanceof Uint8Array && value.byteLength === size ? value : this.fail(key, `${size} bytes of binary`);
  }

  bool(key: string): boolean {
    const value = this.obj[key];
    return typeof value === "boolean" ? value : this.fail(key, "a boolean");
  }

  /** An optional array of strings (nil or absent: null). */
  optStrings(key: string): string[] | null {
    const value = this.obj[key];
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return this.fail(key, "an array of strings or nil");
    return value as string[];
  }

  stringMap(key: string): Record<string, string> {
    const value = this.obj[key];
    if (value === undefined || value === null) return {};
    if (!isObj(value)) return this.fail(key, "a map of strings");
    for (const item of Object.values(value)) if (typeof item !== "string") return this.fail(key, "a map of strings");
    return value as Record<string, string>;
  }

  map(key: string): Obj {
    const value = this.obj[key];
    return isObj(value) ? value : this.fail(key, "a map");
  }

  any(key: string): unknown {
    const value = this.obj[key];
    return value === undefined ? null : value;
  }

  /**
   * A body: the bytes of its JSON as the shim read them (`body_json`, SPEC 3.4), parsed here natively,
   * else the parsed value an older shim sends as `body`. Bytes that are not UTF-8 JSON are a protocol
   * error (the call is denied, never passed with a body nobody could read).
   */
  body(): unknown {
    const raw = this.obj.body_json;
    if (raw === undefined || raw === null) return this.any("body");
    if (!(raw instanceof Uint8Array)) return this.fail("body_json", "binary (the body's UTF-8 JSON bytes) or nil");
    try {
      return JSON.parse(utf8.decode(raw));
    } catch {
      return this.fail("body_json", "UTF-8 JSON");
    }
  }

  /** An optional boolean that defaults to `fallback` when absent or nil. */
  optBool(key: string, fallback: boolean): boolean {
    const value = this.obj[key];
    if (value === undefined || value === null) return fallback;
    return typeof value === "boolean" ? value : this.fail(key, "a boolean or nil");
  }
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Reads the envelope (v, type, id) of any payload; throws when it is not a message at all. */
export function parseEnvelope(value: unknown): { type: string; id: number; obj: Obj } {
  if (!isObj(value)) {
    throw new IronError("IRON_ERR_PROTOCOL", "message is not a map", { expected: "a msgpack map", got: describe(value) });
  }
  const reader = new Reader(value, "any");
  const type = reader.str("type");
  const id = reader.int("id");
  if (id < 0 || id >= 2 ** 32) throw new IronError("IRON_ERR_PROTOCOL", "bad message id", { path: "id", expected: "0 <= id < 2^32", got: id });
  const v = reader.int("v");
  if (v !== PROTOCOL_VERSION) {
    throw new IronError("IRON_ERR_PROTOCOL", "unsupported protocol version", { path: "v", expected: String(PROTOCOL_VERSION), got: v });
  }
  return { type, id, obj: value };
}

function parseUsage(value: unknown): WireUsage | null {
  if (value === undefined || value === null) return null;
  if (!isObj(value)) {
    throw new IronError("IRON_ERR_PROTOCOL", "bad llm.response message", { path: "usage", expected: "a map or nil", got: value });
  }
  const u = new Reader(value, "usage");
  const read = (key: string): number => u.optInt(key) ?? 0;
  return {
    input_tokens: read("input_tokens"),
    output_tokens: read("output_tokens"),
    cached_input_tokens: read("cached_input_tokens"),
    cache_creation_input_tokens: read("cache_creation_input_tokens"),
    reasoning_tokens: read("reasoning_tokens"),
  };
}

// A hello with `token` and no `nonce` comes from a shim that sends its token in clear: refused by name.
function outdatedShim(obj: Obj): never {
  const shim = typeof obj.shim === "string" && obj.shim.length <= HELLO_LIMITS.shim ? obj.shim : "unknown";
  throw new IronError(
    "IRON_ERR_VERSION",
    `shim ${JSON.stringify(shim)} sent its token in clear (a hello without a nonce); this supervisor speaks the challenge–response of protocol/SPEC.md 3.1a and never accepts a token on the wire: upgrade the agent's iron_shim to the one shipped with this iron`,
    {
      path: "nonce",
      expected: `${AUTH_NONCE_BYTES} bytes of binary (a shim with the challenge–response)`,
      got: "a token in clear",
    },
  );
}

const PARSERS: Record<string, (r: Reader, id: number, obj: Obj) => InboundMessage> = {
  hello: (r, id, obj): HelloMessage => ({
    v: PROTOCOL_VERSION,
    type: "hello",
    id,
    agent: r.shortStr("agent", HELLO_LIMITS.agent),
    nonce: obj.nonce === undefined && obj.token !== undefined ? outdatedShim(obj) : r.bytes("nonce", AUTH_NONCE_BYTES),
    pid: r.int("pid"),
    python: r.optShortStr("python", HELLO_LIMITS.python) ?? "",
    shim: r.optShortStr("shim", HELLO_LIMITS.shim) ?? "",
    host: r.optShortStr("host", HELLO_LIMITS.host) ?? "",
    executable: r.optShortStr("executable", HELLO_LIMITS.executable) ?? "",
    parent_pid: r.optInt("parent_pid"),
    ...features(r.optStrings("features")),
  }),
  proof: (r, id): ProofMessage => ({ v: PROTOCOL_VERSION, type: "proof", id, proof: r.bytes("proof", AUTH_PROOF_BYTES) }),
  "llm.request": (r, id): LlmRequestMessage => {
    const est = new Reader(r.map("est_tokens"), "est_tokens");
    return {
      v: PROTOCOL_VERSION,
      type: "llm.request",
      id,
      call: r.str("call"),
      provider: r.str("provider"),
      endpoint: r.str("endpoint"),
      model: r.optStr("model"),
      method: r.str("method"),
      url: r.str("url"),
      headers: r.stringMap("headers"),
      body: r.body(),
      stream: r.bool("stream"),
      est_tokens: { input: est.int("input"), output: est.optInt("output") },
      library: r.optStr("library") ?? "unknown",
      attrs: r.stringMap("attrs"),
      ...admittedUnder(r.optStr("admitted")),
    };
  },
  "llm.response": (r, id, obj): LlmResponseMessage => ({
    v: PROTOCOL_VERSION,
    type: "llm.response",
    id,
    call: r.str("call"),
    status: r.int("status"),
    usage: parseUsage(obj.usage),
    output: r.optStr("output") ?? "",
    body: r.body(),
    latency_ms: r.num("latency_ms"),
    stream: r.bool("stream"),
    complete: r.bool("complete"),
    error: r.optStr("error"),
    request_id: r.optStr("request_id"),
    model: r.optStr("model"),
    retry_after: r.optNum("retry_after"),
    ...(!r.optBool("reply", true) && { reply: false }),
    ...finishReasons(r.optStrings("finish_reasons")),
  }),
  "llm.chunk": (r, id): LlmChunkMessage => {
    const texts = r.optStrings("texts");
    return {
      v: PROTOCOL_VERSION,
      type: "llm.chunk",
      id,
      call: r.str("call"),
      index: r.int("index"),
      text: texts === null ? r.str("text") : (r.optStr("text") ?? ""),
      done: r.bool("done"),
      ...(texts !== null && { texts }),
      ...(r.optBool("released", false) && { released: true as const }),
    };
  },
  heartbeat: (r, id): HeartbeatMessage => ({
    v: PROTOCOL_VERSION,
    type: "heartbeat",
    id,
    ts: r.num("ts"),
    inflight: r.optInt("inflight") ?? 0,
  }),
  bye: (r, id): ByeMessage => ({ v: PROTOCOL_VERSION, type: "bye", id, reason: r.optStr("reason") ?? "" }),
};

// The optional features of a hello (at most 16 kept).
function features(names: string[] | null): { features?: string[] } {
  return names === null ? {} : { features: names.slice(0, 16) };
}

// The grant an admitted llm.request went out under, only when sent.
function admittedUnder(grant: string | null): { admitted?: string } {
  return grant === null ? {} : { admitted: grant };
}

// The optional finish_reasons of an llm.response, only when sent (at most 16 kept).
function finishReasons(reasons: string[] | null): { finish_reasons?: string[] } {
  return reasons === null ? {} : { finish_reasons: reasons.slice(0, 16) };
}

/** Turns a decoded payload into a typed inbound message, or throws IRON_ERR_PROTOCOL. */
export function parseInbound(value: unknown): InboundMessage {
  const { type, id, obj } = parseEnvelope(value);
  const parse = PARSERS[type];
  if (parse === undefined) {
    throw new IronError("IRON_ERR_PROTOCOL", "unknown message type", {
      path: "type",
      expected: Object.keys(PARSERS).join(" | "),
      got: type,
    });
  }
  return parse(new Reader(obj, type), id, obj);
}
