// Protects the supervisor's decoding of whatever arrives on the socket (property tests): any bytes
// decode to a value or fail with IRON_ERR_PROTOCOL, never another exception and never a hang (nor
// prototype pollution: a "__proto__" key is an own property, as JSON.parse makes it);
// every value the protocol can carry survives encode → decode; any decoded value either parses as
// a message or fails with IRON_ERR_PROTOCOL; well-formed messages with unknown extra keys parse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isIronError } from "../../src/errors.js";
import { decode, encode } from "../../src/protocol/codec.js";
import { parseInbound } from "../../src/protocol/parse.js";
import { wireValue } from "../helpers/wire-values.js";

function protocolErrorOnly(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!isIronError(error, "IRON_ERR_PROTOCOL")) throw error;
  }
}

const request = {
  v: 1,
  type: "llm.request",
  id: 7,
  call: "c-1",
  provider: "openai",
  endpoint: "chat.completions",
  model: "gpt-4o-mini",
  method: "POST",
  url: "https://api.openai.com/v1/chat/completions",
  headers: { "content-type": "application/json" },
  body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
  stream: false,
  est_tokens: { input: 3, output: null },
  library: "httpx",
  attrs: {},
};

describe("msgpack decoding of hostile bytes", () => {
  it("any bytes decode or fail with IRON_ERR_PROTOCOL", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => protocolErrorOnly(() => decode(bytes))),
      { numRuns: 3000 },
    );
  });

  it("a real message with bytes flipped, cut or appended decodes or fails with IRON_ERR_PROTOCOL", () => {
    const good = encode(request);
    const mutated = fc.tuple(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(good.length), fc.uint8Array({ maxLength: 8 }));
    fc.assert(
      fc.property(mutated, ([flips, cut, tail]) => {
        const bytes = Uint8Array.from(good);
        for (const [at, byte] of flips) bytes[at] = byte;
        const input = Buffer.concat([bytes.subarray(0, cut), tail]);
        protocolErrorOnly(() => parseInbound(decode(input)));
      }),
      { numRuns: 3000 },
    );
  });

  it("claimed lengths far beyond the input fail at once instead of allocating", () => {
    for (const head of ["dbffffffff", "c6ffffffff", "ddffffffff", "dfffffffff", "dcffff", "deffff"]) {
      expect(() => decode(Buffer.from(`${head}00`, "hex"))).toThrow(/IRON_ERR_PROTOCOL/);
    }
  });

  it('a "__proto__" key is an own property of its map, never the prototype', () => {
    const value = decode(encode(JSON.parse('{"body": {"__proto__": {"polluted": true}, "x": 1}}'))) as { body: Record<string, unknown> };
    expect(Object.keys(value.body)).toEqual(["__proto__", "x"]);
    expect(Object.getPrototypeOf(value.body)).toBe(Object.prototype);
    expect((value.body as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("invalid UTF-8, nesting past the limit and trailing bytes are protocol errors (never a crash)", () => {
    expect(() => decode(Buffer.from("a2fffe", "hex"))).toThrow(/IRON_ERR_PROTOCOL.*UTF-8/);
    expect(() => decode(Buffer.concat([Buffer.alloc(100_000, 0x91), Buffer.from([0x90])]))).toThrow(/IRON_ERR_PROTOCOL.*nested/);
    expect(() => decode(Buffer.from("0101", "hex"))).toThrow(/IRON_ERR_PROTOCOL.*trailing/);
    expect(() => decode(Buffer.from("81c001", "hex"))).toThrow(/IRON_ERR_PROTOCOL.*map key/);
  });

  it("extension types and the reserved byte are refused", () => {
    for (const hex of ["c1", "d40100", "c70100", "d6ff00000000"]) expect(() => decode(Buffer.from(hex, "hex"))).toThrow(/IRON_ERR_PROTOCOL/);
  });
});

describe("round trips and parsing", () => {
  it("every wire value survives encode → decode", () => {
    fc.assert(
      fc.property(wireValue, (value) => {
        expect(decode(encode(value))).toEqual(value);
      }),
      { numRuns: 1500 },
    );
  });

  it("short strings decode to themselves however often they repeat or share a slot of the decoder's cache", () => {
    // Thousands of distinct short keys and values (more than the cache has slots), each decoded
    // twice and interleaved with near twins (one byte apart, same length, a prefix), so slots are
    // shared and overwritten; a wrong cache hit would show as a wrong key or value.
    const words = Array.from({ length: 3000 }, (_, i) => `k${i.toString(36)}${"x".repeat(i % 20)}`);
    const twins = words.flatMap((w) => [w, `${w.slice(0, -1)}${String.fromCharCode(w.charCodeAt(w.length - 1) ^ 1)}`, w.slice(0, -1)]);
    for (let round = 0; round < 2; round += 1) {
      for (let at = 0; at < twins.length; at += 30) {
        const slice = twins.slice(at, at + 30);
        const value = Object.fromEntries(slice.map((w, i) => [w, [w, slice[(i + 1) % slice.length], `${w}é`]]));
        expect(decode(encode(value))).toEqual(value);
      }
    }
  });

  it("any decoded value parses as a message or fails with IRON_ERR_PROTOCOL", () => {
    const shaped = fc.record(
      { v: fc.oneof(fc.constant(1), wireValue), type: fc.constantFrom("hello", "llm.request", "llm.response", "llm.chunk", "heartbeat", "bye", "nope"), id: fc.oneof(fc.nat(), wireValue) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          wireValue,
          fc.tuple(shaped, fc.dictionary(fc.string({ maxLength: 12 }), wireValue)).map(([a, b]) => ({ ...b, ...a })),
        ),
        (value) => protocolErrorOnly(() => parseInbound(value)),
      ),
      { numRuns: 3000 },
    );
  });

  it("a well-formed message with unknown extra keys still parses (forward compatible)", () => {
    const extra = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in request)),
      wireValue,
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(extra, (keys) => {
        expect(parseInbound(decode(encode({ ...request, ...keys }))).type).toBe("llm.request");
      }),
      { numRuns: 500 },
    );
  });
});
