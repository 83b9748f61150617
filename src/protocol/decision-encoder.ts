// A hand-written msgpack encoder for the one message the supervisor sends per decision. It writes
// the envelope and the fields straight into a scratch buffer, with no intermediate object, and
// gives exactly the bytes the generic encoder gives for `{ v, type: "decision", id, ...fields }`
// without its nil keys (codec.ts): same key order, same smallest formats, float64 for non-integers.
// Anything it does not write itself (a body, a string that is not well-formed, a non-plain object)
// goes through the generic encoder instead: the bytes never depend on which path ran.

/** The keys of a decision left out when nil (SPEC 3.5; `budget` stays: nil says "no limit any more"). */
export function leftOutWhenNil(key: string): boolean {
  return key === "policy" || key === "code" || key === "reason" || key === "status" || key === "retry_after" || key === "body" || key === "url";
}

/** Nested values deeper than this go through the generic encoder (decisions never nest this deep). */
const MAX_DEPTH = 8;
const NOT_MINE = Symbol("not mine");
/** String.prototype.isWellFormed (Node 20; the TypeScript lib here predates it). */
type WellFormed = string & { isWellFormed(): boolean };

let scratch = Buffer.allocUnsafe(8192);
let at = 0;

function room(bytes: number): void {
  if (at + bytes <= scratch.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, at + bytes));
  scratch.copy(bigger, 0, 0, at);
  scratch = bigger;
}

function u8(byte: number): void {
  scratch[at++] = byte;
}

function str(text: string): void {
  const length = text.length;
  if (length < 32) {
    room(1 + length);
    const start = at;
    scratch[at++] = 0xa0 | length;
    for (let i = 0; i < length; i += 1) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        at = start;
        return wideStr(text);
      }
      scratch[at++] = c;
    }
    return;
  }
  wideStr(text);
}

function wideStr(text: string): void {
  // A lone surrogate is written differently by the generic encoder's own UTF-8 (short strings) and
  // by a TextEncoder (long ones): such a string is left to it.
  if (!(text as WellFormed).isWellFormed()) throw NOT_MINE;
  const bytes = Buffer.byteLength(text, "utf8");
  room(5 + bytes);
  if (bytes < 32) u8(0xa0 | bytes);
  else if (bytes < 0x100) {
    u8(0xd9);
    u8(bytes);
  } else if (bytes < 0x10000) {
    u8(0xda);
    at = scratch.writeUInt16BE(bytes, at);
  } else {
    u8(0xdb);
    at = scratch.writeUInt32BE(bytes, at);
  }
  at += scratch.write(text, at, bytes, "utf8");
}

function num(n: number): void {
  room(9);
  if (Number.isSafeInteger(n)) {
    if (n >= 0) {
      if (n < 0x80) u8(n);
      else if (n < 0x100) {
        u8(0xcc);
        u8(n);
      } else if (n < 0x10000) {
        u8(0xcd);
        at = scratch.writeUInt16BE(n, at);
      } else if (n < 0x100000000) {
        u8(0xce);
        at = scratch.writeUInt32BE(n, at);
      } else {
        u8(0xcf);
        at = scratch.writeBigUInt64BE(BigInt(n), at);
      }
    } else if (n >= -0x20) u8(0xe0 | (n + 0x20));
    else if (n >= -0x80) {
      u8(0xd0);
      at = scratch.writeInt8(n, at);
    } else if (n >= -0x8000) {
      u8(0xd1);
      at = scratch.writeInt16BE(n, at);
    } else if (n >= -0x80000000) {
      u8(0xd2);
      at = scratch.writeInt32BE(n, at);
    } else {
      u8(0xd3);
      at = scratch.writeBigInt64BE(BigInt(n), at);
    }
    return;
  }
  u8(0xcb);
  at = scratch.writeDoubleBE(n, at);
}

function header(size: number, fix: number, sixteen: number, thirtyTwo: number): void {
  room(5);
  if (size < 16) u8(fix | size);
  else if (size < 0x10000) {
    u8(sixteen);
    at = scratch.writeUInt16BE(size, at);
  } else {
    u8(thirtyTwo);
    at = scratch.writeUInt32BE(size, at);
  }
}

function value(v: unknown, depth: number): void {
  if (v === null || v === undefined) {
    room(1);
    return u8(0xc0);
  }
  switch (typeof v) {
    case "string":
      return str(v);
    case "number":
      return num(v);
    case "boolean":
      room(1);
      return u8(v ? 0xc3 : 0xc2);
    case "object":
      break;
    default:
      throw NOT_MINE;
  }
  if (depth >= MAX_DEPTH) throw NOT_MINE;
  if (Object.isFrozen(v)) return frozen(v, depth);
  container(v, depth);
}

// The bytes of deeply frozen values (the policies' response and chunk hints, the same list in every
// decision): written once, then copied. Such a value cannot change, so neither can its bytes.
const frozenBytes = new WeakMap<object, Buffer>();

function frozen(v: object, depth: number): void {
  const known = frozenBytes.get(v);
  if (known !== undefined) {
    room(known.length);
    at += known.copy(scratch, at);
    return;
  }
  const start = at;
  container(v, depth);
  if (deeplyFrozen(v, depth)) frozenBytes.set(v, Buffer.from(scratch.subarray(start, at)));
}

// True when every object and array inside `v` is frozen too and holds data properties only (a getter
// could answer differently next time); its strings, numbers and booleans are values.
function deeplyFrozen(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== "object") return true;
  if (depth >= MAX_DEPTH || !Object.isFrozen(v)) return false;
  for (const property of Object.values(Object.getOwnPropertyDescriptors(v))) {
    if (!("value" in property) || !deeplyFrozen(property.value, depth + 1)) return false;
  }
  return true;
}

// An array or a plain object, entry by entry.
function container(v: object, depth: number): void {
  if (Array.isArray(v)) {
    header(v.length, 0x90, 0xdc, 0xdd);
    for (const item of v) value(item, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw NOT_MINE;
  const keys = Object.keys(v);
  header(keys.length, 0x80, 0xde, 0xdf);
  for (const key of keys) {
    str(key);
    value((v as Record<string, unknown>)[key], depth + 1);
  }
}

/**
 * The msgpack bytes of `{ v, type: "decision", id, ...fields }` without the nil keys that are left
 * out (a fresh buffer, safe to keep); null when a field is one this encoder leaves to the generic one
 * (a non-nil `body`, a string that is not well-formed UTF-16, anything not plain data).
 */
export function encodeDecisionFast(version: number, id: number, fields: object): Buffer | null {
  const record = fields as Record<string, unknown>;
  let size = 3;
  for (const key in record) {
    const v = record[key];
    if (v === null ? !leftOutWhenNil(key) : key !== "body") size += 1;
    else if (v !== null) return null;
  }
  at = 0;
  try {
    header(size, 0x80, 0xde, 0xdf);
    str("v");
    num(version);
    str("type");
    str("decision");
    str("id");
    num(id);
    for (const key in record) {
      const v = record[key];
      if (v === null && leftOutWhenNil(key)) continue;
      str(key);
      value(v, 1);
    }
  } catch (error) {
    if (error === NOT_MINE) return null;
    throw error;
  }
  const out = Buffer.allocUnsafe(at);
  scratch.copy(out, 0, 0, at);
  return out;
}
