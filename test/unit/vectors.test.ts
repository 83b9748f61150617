// Protects the wire contract: the TypeScript codec must agree byte for byte with the shared
// vectors (which the Python shim's tests load too).
import { describe, expect, it } from "vitest";
import { decode, encode, encodeMessage } from "../../src/protocol/codec.js";
import type { OutboundMessage } from "../../src/protocol/messages.js";
import { parseInbound } from "../../src/protocol/parse.js";
import { authContext, clientProof, serverProof, tokenKey } from "../../src/transport/handshake.js";
import { loadAuthVectors, loadVectors } from "../helpers/vectors.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("msgpack vectors", () => {
  for (const vector of loadVectors("msgpack.json")) {
    it(`decodes ${vector.name}`, () => {
      expect(decode(vector.bytes)).toEqual(vector.value);
    });
    if (vector.encode) {
      it(`encodes ${vector.name}`, () => {
        expect(hex(encode(vector.value))).toBe(hex(vector.bytes));
      });
    }
  }
});

describe("protocol message vectors", () => {
  for (const vector of loadVectors("messages.json")) {
    it(`round-trips ${vector.name} byte for byte`, () => {
      expect(decode(vector.bytes)).toEqual(vector.value);
      expect(hex(encode(vector.value))).toBe(hex(vector.bytes));
    });
  }

  it("sends a decision without its nil keys, as the vector shows (budget nil is kept: no limit any more)", () => {
    const slim = loadVectors("messages.json").find((v) => v.name.startsWith("decision allow as the supervisor sends it"));
    const full = { v: 1, type: "decision", id: 2, call: "c-1", action: "allow", policy: null, code: null, reason: null, status: null, retry_after: null, body: null, timeout_ms: 30000 };
    const budget = { scope: "global", limit: 1000000000, spent: 120, reserved: 62, left: 999999818 };
    expect(hex(encodeMessage({ ...full, budget } as OutboundMessage))).toBe(hex(slim?.bytes ?? new Uint8Array()));
    expect(decode(encodeMessage({ ...full, budget: null } as OutboundMessage))).toEqual({ v: 1, type: "decision", id: 2, call: "c-1", action: "allow", timeout_ms: 30000, budget: null });
    const deny = { ...full, action: "deny", policy: "budget", code: "IRON_ERR_BUDGET", reason: "no room", status: 402 };
    expect(decode(encodeMessage(deny as OutboundMessage))).toEqual({
      v: 1,
      type: "decision",
      id: 2,
      call: "c-1",
      action: "deny",
      policy: "budget",
      code: "IRON_ERR_BUDGET",
      reason: "no room",
      status: 402,
      timeout_ms: 30000,
    });
    const welcome = { v: 1, type: "welcome", id: 1, agent: "a", session: "s", settings: {}, budget: null } as unknown as OutboundMessage;
    expect(decode(encodeMessage(welcome))).toEqual(welcome);
  });

  const inbound = new Set(["hello", "proof", "llm.request", "llm.response", "llm.chunk", "heartbeat", "bye"]);
  for (const vector of loadVectors("messages.json").filter((v) => inbound.has((v.value as { type: string }).type))) {
    it(`parses ${vector.name} into the typed message`, () => {
      const parsed = parseInbound(decode(vector.bytes)) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(vector.value as Record<string, unknown>)) {
        // body_json (SPEC 3.4) is read as the body it holds.
        if (key === "body_json") expect(parsed.body, key).toEqual(JSON.parse(Buffer.from(value as Uint8Array).toString("utf8")));
        else expect(parsed[key], key).toEqual(value);
      }
    });
  }
});

describe("challenge–response vectors (SPEC 3.1a)", () => {
  for (const v of loadAuthVectors()) {
    it(`computes the context and both proofs of ${v.name}`, () => {
      const context = authContext(v.hello);
      expect(hex(context)).toBe(hex(v.context));
      expect(hex(serverProof(tokenKey(v.token), v.clientNonce, v.serverNonce, context))).toBe(hex(v.serverProof));
      expect(hex(clientProof(tokenKey(v.token), v.clientNonce, v.serverNonce, context))).toBe(hex(v.clientProof));
    });
    it(`parses the hello of ${v.name} with its nonce`, () => {
      const parsed = parseInbound(decode(v.hello));
      expect(parsed.type === "hello" && hex(parsed.nonce)).toBe(hex(v.clientNonce));
    });
  }
});

describe("malformed payloads", () => {
  it("refuses the reserved byte c1 with IRON_ERR_PROTOCOL", () => {
    expect(() => decode(Uint8Array.of(0xc1))).toThrow(/IRON_ERR_PROTOCOL/);
  });
  it("refuses extension types", () => {
    expect(() => decode(Uint8Array.of(0xd4, 0x01, 0x00))).toThrow(/extension type 1 is not allowed/);
  });
  it("refuses truncated input", () => {
    expect(() => decode(Uint8Array.of(0xda, 0x00, 0x10, 0x61))).toThrow(/IRON_ERR_PROTOCOL/);
  });
  it("refuses trailing bytes", () => {
    expect(() => decode(Uint8Array.of(0xc0, 0xc0))).toThrow(/IRON_ERR_PROTOCOL/);
  });
  it("refuses body_json that is not UTF-8 JSON, naming the key but not the bytes", () => {
    const request = (bodyJson: unknown) => ({
      v: 1,
      type: "llm.request",
      id: 9,
      call: "c-9",
      provider: "openai",
      endpoint: "chat.completions",
      model: null,
      method: "POST",
      url: "https://api.openai.com/v1/chat/completions",
      headers: {},
      body_json: bodyJson,
      stream: false,
      est_tokens: { input: 1, output: null },
      library: "urllib",
      attrs: {},
    });
    const secret = Buffer.from('{"messages":[{"content":"sk-live-secret"}],"x":NaN}');
    expect(() => parseInbound(request(secret))).toThrow(`expected UTF-8 JSON, got ${secret.byteLength} bytes`);
    expect(() => parseInbound(request(secret))).not.toThrow(/sk-live-secret/);
    expect(() => parseInbound(request(Uint8Array.of(0x7b, 0xff, 0x7d)))).toThrow(/expected UTF-8 JSON/);
    expect(() => parseInbound(request('{"model":"m"}'))).toThrow(/expected binary/);
    expect(parseInbound(request(Buffer.from('{"model":"m","__proto__":{"x":1}}')))).toMatchObject({ body: { model: "m" } });
    expect(parseInbound({ ...request(null), body: { model: "old shim" } })).toMatchObject({ body: { model: "old shim" } });
  });
  it("reads reply false on a fire-and-forget llm.response, and nothing when absent", () => {
    const response = {
      v: 1,
      type: "llm.response",
      id: 5,
      call: "c-5",
      status: 200,
      usage: null,
      output: "",
      body: null,
      latency_ms: 1,
      stream: true,
      complete: true,
      error: null,
      request_id: null,
      model: null,
    };
    expect(parseInbound({ ...response, reply: false })).toMatchObject({ reply: false });
    expect(parseInbound(response)).not.toHaveProperty("reply");
    expect(() => parseInbound({ ...response, reply: "no" })).toThrow(/at reply/);
  });
  it("names the key and what was expected when a message is off-spec", () => {
    expect(() => parseInbound({ v: 1, type: "heartbeat", id: 3, ts: "soon" })).toThrow(/at ts.*expected a number, got "soon"/);
    expect(() => parseInbound({ v: 2, type: "bye", id: 1 })).toThrow(/unsupported protocol version.*expected 1, got 2/);
    expect(() => parseInbound({ v: 1, type: "launch", id: 1 })).toThrow(/unknown message type/);
  });
});
