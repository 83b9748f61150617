// The hand-written decision encoder (protocol/decision-encoder.ts) must give, byte for byte, what the
// generic msgpack encoder gives for the same decision without its nil keys: checked over every
// kind of value a decision holds, sizes at each format's edges, and fields it leaves to the generic one.
import { describe, expect, it } from "vitest";
import { encode, encodeDecision } from "../../src/protocol/codec.js";
import { encodeDecisionFast, leftOutWhenNil } from "../../src/protocol/decision-encoder.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

// What the generic encoder gives for the decision: the envelope, then the fields without nil keys left out.
function generic(id: number, fields: Record<string, unknown>): string {
  const slim: Record<string, unknown> = { v: 1, type: "decision", id };
  for (const [key, value] of Object.entries(fields)) if (value !== null || !leftOutWhenNil(key)) slim[key] = value;
  return hex(encode(slim));
}

const allow = { call: "c-1", action: "allow", policy: null, code: null, reason: null, status: null, retry_after: null, body: null };
const budget = { scope: "global", limit: 1_000_000_000, spent: 120, reserved: 62, left: 999_999_818 };
const strings = [
  "",
  "a",
  "x".repeat(31),
  "x".repeat(32),
  "x".repeat(255),
  "x".repeat(256),
  "x".repeat(65_535),
  "x".repeat(65_536),
  "é",
  "日本語のテキスト",
  "😀 emoji",
  "é".repeat(16),
  "é".repeat(128),
];
const numbers = [
  0,
  -0,
  1,
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  -1,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  Number.MIN_SAFE_INTEGER,
  0.5,
  -1.25,
  1e300,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

describe("the decision encoder", () => {
  it("encodes what the shim gets for requests and responses as the generic encoder does", () => {
    const cases: Record<string, unknown>[] = [
      { ...allow, budget },
      { ...allow, budget: null },
      { response_decision: false, ...allow, budget },
      {
        stream_chunks: true,
        chunk_batch: true,
        timeout_ms: 30_000,
        response_hints: [
          { re: "[0-9]{3}", i: false },
          { re: "@", i: true },
        ],
        ...allow,
        budget,
      },
      { ...allow, action: "deny", policy: "budget", code: "IRON_ERR_BUDGET", reason: "budget exhausted: global has spent $1.00 of $1.00", status: 402, retry_after: 30, budget },
      { ...allow, text: "partial", texts: ["a", "b", "", "é"] },
      { ...allow, texts: [], text: "" },
      { url: null, ...allow },
      { ...allow, budget: undefined },
    ];
    for (const [i, fields] of cases.entries()) expect(hex(encodeDecision(1, i, fields)), JSON.stringify(fields)).toBe(generic(i, fields));
  });

  it("writes strings and numbers in the generic encoder's smallest formats", () => {
    for (const s of strings) expect(hex(encodeDecision(1, 7, { ...allow, reason: s })), `${s.length} chars`).toBe(generic(7, { ...allow, reason: s }));
    for (const n of numbers) {
      expect(hex(encodeDecision(1, 7, { ...allow, status: n })), String(n)).toBe(generic(7, { ...allow, status: n }));
      if (Number.isSafeInteger(n) && n >= 0) expect(hex(encodeDecision(1, n, allow)), `id ${n}`).toBe(generic(n, allow));
    }
  });

  it("writes maps and arrays past 15 entries with 16-bit sizes", () => {
    const wide: Record<string, unknown> = { ...allow };
    for (let i = 0; i < 20; i += 1) wide[`extra_${i}`] = i;
    expect(hex(encodeDecision(1, 3, wide))).toBe(generic(3, wide));
    const texts = Array.from({ length: 40 }, (_, i) => `t${i}`);
    expect(hex(encodeDecision(1, 3, { ...allow, texts }))).toBe(generic(3, { ...allow, texts }));
  });

  it("leaves a body, a lone surrogate and non-plain objects to the generic encoder, with the same bytes", () => {
    const handedOver: Record<string, unknown>[] = [
      { ...allow, action: "modify", body: { model: "m", messages: [{ role: "user", content: "hi" }] } },
      { ...allow, reason: "half \ud800 a pair" },
      { ...allow, reason: `${"x".repeat(60)}\udc00` },
      { ...allow, budget: new Uint8Array([1, 2]) },
      { ...allow, budget: { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } } },
    ];
    for (const fields of handedOver) {
      expect(encodeDecisionFast(1, 9, fields)).toBeNull();
      expect(hex(encodeDecision(1, 9, fields))).toBe(generic(9, fields));
    }
  });

  it("gives a fresh buffer each time (a reply may sit in the socket's queue)", () => {
    const first = encodeDecision(1, 1, { ...allow, call: "first" });
    const copy = hex(first);
    encodeDecision(1, 2, { ...allow, call: "second", reason: "x".repeat(10_000) });
    expect(hex(first)).toBe(copy);
  });

  it("writes a frozen hint list the same way every time, and never reuses the bytes of what can still change", () => {
    const hints = Object.freeze([Object.freeze({ re: "sk-[A-Za-z0-9_-]{32}", i: false }), Object.freeze({ re: "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]", i: true })]);
    for (let i = 0; i < 3; i += 1) {
      const fields = { response_hints: hints, ...allow, budget };
      expect(hex(encodeDecision(1, i, fields))).toBe(generic(i, fields));
    }
    // A frozen list whose items are not: an item changed between two decisions is written as it is now.
    const item = { re: "a", i: false };
    const shallow = Object.freeze([item]);
    expect(hex(encodeDecision(1, 1, { ...allow, response_hints: shallow }))).toBe(generic(1, { ...allow, response_hints: [{ re: "a", i: false }] }));
    item.re = "b";
    expect(hex(encodeDecision(1, 2, { ...allow, response_hints: shallow }))).toBe(generic(2, { ...allow, response_hints: [{ re: "b", i: false }] }));
    // A frozen object with a getter may answer differently next time.
    let n = 0;
    const counter = Object.freeze({
      get n() {
        n += 1;
        return n;
      },
    });
    expect(hex(encodeDecision(1, 3, { ...allow, budget: counter }))).toBe(generic(3, { ...allow, budget: { n: 1 } }));
    expect(hex(encodeDecision(1, 4, { ...allow, budget: counter }))).toBe(generic(4, { ...allow, budget: { n: 2 } }));
  });
});
