// Protects the wire contract: the TypeScript codec must agree byte for byte with the shared
// vectors (which the Python shim's tests load too).
import { describe, expect, it } from "vitest";
import { decode, encode } from "../../src/protocol/codec.js";
import { parseInbound } from "../../src/protocol/parse.js";
import { loadVectors } from "../helpers/vectors.js";

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

  const inbound = new Set(["hello", "llm.request", "llm.response", "llm.chunk", "heartbeat", "bye"]);
  for (const vector of loadVectors("messages.json").filter((v) => inbound.has((v.value as { type: string }).type))) {
    it(`parses ${vector.name} into the typed message`, () => {
      const parsed = parseInbound(decode(vector.bytes)) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(vector.value as Record<string, unknown>)) {
        expect(parsed[key], key).toEqual(value);
      }
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
  it("names the key and what was expected when a message is off-spec", () => {
    expect(() => parseInbound({ v: 1, type: "heartbeat", id: 3, ts: "soon" })).toThrow(/at ts.*expected a number, got "soon"/);
    expect(() => parseInbound({ v: 2, type: "bye", id: 1 })).toThrow(/unsupported protocol version.*expected 1, got 2/);
    expect(() => parseInbound({ v: 1, type: "launch", id: 1 })).toThrow(/unknown message type/);
  });
});
