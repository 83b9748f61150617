// The hand-written decoder of llm.request and llm.response (protocol/call-message-decoder.ts) must
// give exactly what the generic path (decode, then parseInbound) gives — same values, same key
// order — and must leave everything else to that path (null), so a malformed or off-spec frame
// still gets the generic path's IRON_ERR_PROTOCOL. Checked on the wire vectors, on each field
// replaced by every kind of value, and on truncated, bit-flipped and re-cut frames.
import { describe, expect, it } from "vitest";
import { decodeCallMessage } from "../../src/protocol/call-message-decoder.js";
import { decode, encode } from "../../src/protocol/codec.js";
import { parseInbound } from "../../src/protocol/parse.js";
import { loadVectors } from "../helpers/vectors.js";

// The generic path's answer: the message, or the error it throws.
function generic(bytes: Uint8Array): { ok: true; message: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, message: parseInbound(decode(bytes)) };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

// Values with their key order (toStrictEqual ignores the order of keys).
function ordered(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bin: Buffer.from(value).toString("hex") };
  if (Array.isArray(value)) return value.map(ordered);
  if (value === null || typeof value !== "object") return value;
  return Object.entries(value).map(([k, v]) => [k, ordered(v)]);
}

// The one property that matters: the fast path answers only what the generic path accepts, and the same.
function agrees(bytes: Uint8Array, label: string): boolean {
  const fast = decodeCallMessage(bytes);
  const slow = generic(bytes);
  if (fast === null) return false;
  expect(slow.ok, `${label}: the generic path refuses what the fast one accepted`).toBe(true);
  if (slow.ok) {
    expect(fast, label).toStrictEqual(slow.message);
    expect(ordered(fast), label).toEqual(ordered(slow.message));
  }
  return true;
}

const isCall = (v: { value: unknown }): boolean => ["llm.request", "llm.response"].includes((v.value as { type: string }).type);
const calls = loadVectors("messages.json").filter(isCall);

// A small seeded generator, so a failing case can be found again.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const kinds: unknown[] = [
  undefined,
  null,
  0,
  7,
  -1,
  1.5,
  2 ** 32,
  Number.NaN,
  "",
  "text",
  true,
  false,
  [],
  ["a", 1],
  {},
  { input: 1 },
  { a: "b" },
  { a: 1 },
  Uint8Array.of(0x7b, 0x7d),
  Buffer.from('{"m":1}'),
];

describe("the call message decoder", () => {
  it("reads every llm.request and llm.response vector as the generic path does", () => {
    expect(calls.length).toBeGreaterThanOrEqual(6);
    for (const vector of calls) expect(agrees(vector.bytes, vector.name), vector.name).toBe(true);
  });

  it("leaves every other message, and frames too large or empty, to the generic path", () => {
    for (const vector of loadVectors("messages.json").filter((v) => !isCall(v))) {
      expect(decodeCallMessage(vector.bytes), vector.name).toBeNull();
    }
    expect(decodeCallMessage(new Uint8Array(0))).toBeNull();
    expect(decodeCallMessage(new Uint8Array(16 * 1024 * 1024 + 1))).toBeNull();
  });

  it("agrees with the generic path for each field replaced by every kind of value, or left out", () => {
    let answered = 0;
    let cases = 0;
    for (const vector of calls) {
      const base = vector.value as Record<string, unknown>;
      for (const key of [...Object.keys(base), "reply", "finish_reasons", "retry_after", "usage", "extra", "__proto__"]) {
        for (const kind of kinds) {
          const value: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(base)) if (k !== key) value[k] = v;
          if (kind !== undefined) Object.defineProperty(value, key, { value: kind, enumerable: true, writable: true, configurable: true });
          cases += 1;
          if (agrees(encode(value), `${vector.name} with ${key} = ${String(kind)}`)) answered += 1;
        }
      }
      // Nested fields off the spec: usage counts, est_tokens, header values, finish reasons.
      for (const nested of [
        { usage: { input_tokens: 1.5 } },
        { usage: { input_tokens: null, output_tokens: 3 } },
        { est_tokens: { input: 1, output: "x" } },
        { est_tokens: { input: 2.0, output: 3 } },
        { headers: { a: 1 } },
        { headers: { 1: "numeric key" } },
        { attrs: { team: "a", ["__proto__"]: "x" } },
        { finish_reasons: Array.from({ length: 20 }, (_, i) => `r${i}`) },
        { finish_reasons: ["stop", 1] },
      ]) {
        cases += 1;
        if (agrees(encode({ ...base, ...nested }), `${vector.name} with ${JSON.stringify(nested)}`)) answered += 1;
      }
    }
    // Most variants are off the spec and go to the generic path; the ones within it are answered here.
    expect(answered).toBeGreaterThan(cases / 5);
    expect(answered).toBeLessThan(cases);
  });

  it("never answers a truncated, bit-flipped or re-cut frame differently from the generic path", () => {
    const next = random(14);
    let answered = 0;
    for (const vector of calls) {
      const bytes = vector.bytes;
      for (let cut = 0; cut < bytes.length; cut += 1) expect(decodeCallMessage(bytes.subarray(0, cut)), `${vector.name} cut at ${cut}`).toBeNull();
      expect(decodeCallMessage(Uint8Array.from([...bytes, 0xc0])), `${vector.name} with a trailing byte`).toBeNull();
      for (let round = 0; round < 400; round += 1) {
        const mutated = Uint8Array.from(bytes);
        const flips = 1 + Math.floor(next() * 3);
        for (let i = 0; i < flips; i += 1) {
          const at = Math.floor(next() * mutated.length);
          mutated[at] = next() < 0.5 ? (mutated[at] as number) ^ (1 << Math.floor(next() * 8)) : Math.floor(next() * 256);
        }
        if (agrees(mutated, `${vector.name} mutated (round ${round})`)) answered += 1;
      }
    }
    // Some mutations stay within the spec (a changed letter in a string): those are answered, and equal.
    expect(answered).toBeGreaterThan(0);
  });

  it("reads the same headers and attrs again as a fresh map each time, and changed ones as they are", () => {
    const base = calls.find((v) => (v.value as { type: string }).type === "llm.request")?.value as Record<string, unknown>;
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-header-${i}`, `value ${i}`]));
    for (const headers of [{ "content-type": "application/json", "user-agent": "OpenAI/Python 1.51.0" }, many, {}]) {
      const bytes = encode({ ...base, headers, attrs: { team: "a" } });
      const first = decodeCallMessage(bytes) as { headers: Record<string, string>; attrs: Record<string, string> };
      expect(agrees(bytes, "first")).toBe(true);
      first.headers.injected = "by a holder of the first message";
      first.attrs.team = "changed";
      const second = decodeCallMessage(bytes) as { headers: Record<string, string>; attrs: Record<string, string> };
      expect(second.headers).not.toBe(first.headers);
      expect(second.headers).toStrictEqual(headers);
      expect(second.attrs).toStrictEqual({ team: "a" });
      const changed = { ...headers, "user-agent": "OpenAI/Python 1.52.0" };
      expect(agrees(encode({ ...base, headers: changed }), "changed")).toBe(true);
      expect((decodeCallMessage(encode({ ...base, headers: changed })) as { headers: unknown }).headers).toStrictEqual(changed);
    }
  });
});
