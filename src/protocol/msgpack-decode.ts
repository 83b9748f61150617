// The msgpack decoder of SPEC.md section 2, written for what arrives on the socket: one value that
// fills the input, lengths checked against what is left before anything is allocated, nesting
// bounded, strict UTF-8, no extension types, and maps as plain objects in which a "__proto__" key
// is an own property like any other (JSON.parse does the same) instead of a refused message.

/** Containers nested deeper than this are refused (the shim's codec has the same limit). */
export const MAX_DEPTH = 256;

/** What is wrong with the input, and where. */
export class MsgpackError extends Error {
  override name = "MsgpackError";
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

// Short ASCII strings recur in every message (map keys, "openai", "gpt-4o-mini", "POST"): each
// slot keeps the last one that hashed to it, so a repeat is one compare of its bytes and the
// string itself (already a property key V8 has interned) instead of a new string built per read.
const SHORT = 24;
const SLOTS = 1024;
const slotBytes = new Uint8Array(SLOTS * SHORT);
const slotLength = new Uint8Array(SLOTS);
const slotString: string[] = new Array<string>(SLOTS).fill("");

/** A position in the input and the reads of each format (exported for call-message-decoder.ts). */
export class MsgpackReader {
  pos = 0;
  #view: DataView | null = null;

  constructor(readonly bytes: Uint8Array) {}

  // Only floats and 64-bit integers need it (a response's latency_ms): made on first use.
  get view(): DataView {
    this.#view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.#view;
  }

  // Refuses a read past the end: truncated input never hangs and never allocates.
  need(n: number): void {
    if (n > this.bytes.length - this.pos) throw new MsgpackError(`truncated input: need ${n} bytes at offset ${this.pos}, ${this.bytes.length - this.pos} left`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const at = this.pos;
    this.pos += 2;
    return ((b[at] as number) << 8) | (b[at + 1] as number);
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const at = this.pos;
    this.pos += 4;
    return (b[at] as number) * 0x1000000 + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));
  }

  // Reads `size` big-endian bytes of one of the fixed-size formats through the DataView.
  fixed(size: number, read: (view: DataView, at: number) => number): number {
    this.need(size);
    const value = read(this.view, this.pos);
    this.pos += size;
    return value;
  }

  str(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    return n <= SHORT ? this.short(start, n) : this.long(start, n);
  }

  // A short string: from its slot when the same bytes were read last there, else built and kept.
  short(start: number, n: number): string {
    const bytes = this.bytes;
    let h = n;
    for (let i = start; i < start + n; i += 1) {
      const c = bytes[i] as number;
      if (c >= 0x80) return this.utf8(start, n);
      h = Math.imul(h ^ c, 0x01000193);
    }
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const base = slot * SHORT;
    if (slotLength[slot] === n) {
      let i = 0;
      while (i < n && slotBytes[base + i] === bytes[start + i]) i += 1;
      if (i === n) return slotString[slot] as string;
    }
    let ascii = "";
    for (let i = start; i < start + n; i += 1) ascii += String.fromCharCode(bytes[i] as number);
    slotBytes.set(bytes.subarray(start, start + n), base);
    slotLength[slot] = n;
    slotString[slot] = ascii;
    return ascii;
  }

  long(start: number, n: number): string {
    const bytes = this.bytes;
    if (n < 64) {
      let ascii = "";
      for (let i = start; i < start + n; i += 1) {
        const c = bytes[i] as number;
        if (c >= 0x80) return this.utf8(start, n);
        ascii += String.fromCharCode(c);
      }
      return ascii;
    }
    return this.utf8(start, n);
  }

  utf8(start: number, n: number): string {
    try {
      return utf8.decode(this.bytes.subarray(start, start + n));
    } catch {
      throw new MsgpackError(`invalid UTF-8 in the string at offset ${start}`);
    }
  }

  // A short binary (a nonce, a proof) is a copy, safe to keep; a long one (a body's JSON bytes, read
  // once and parsed) is a view over the input, which is never written to once it arrived.
  bin(n: number): Uint8Array {
    this.need(n);
    const out = n < 64 ? this.bytes.slice(this.pos, this.pos + n) : this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Decodes exactly one value filling `bytes`; throws MsgpackError on anything malformed. */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new MsgpackError("empty input");
  const reader = new MsgpackReader(bytes);
  const value = readMsgpack(reader, MAX_DEPTH);
  if (reader.pos !== bytes.length) throw new MsgpackError(`${bytes.length - reader.pos} trailing bytes after the value at offset ${reader.pos}`);
  return value;
}

/** Reads one value at the reader's position, with at most `depth` containers nested in it. */
export function readMsgpack(r: MsgpackReader, depth: number): unknown {
  const at = r.pos;
  const b = r.u8();
  if (b < 0x80) return b;
  if (b >= 0xe0) return b - 0x100;
  if (b >= 0xa0 && b <= 0xbf) return r.str(b & 0x1f);
  if (b <= 0x8f) return map(r, b & 0x0f, depth);
  if (b <= 0x9f) return array(r, b & 0x0f, depth);
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return r.bin(r.u8());
    case 0xc5:
      return r.bin(r.u16());
    case 0xc6:
      return r.bin(r.u32());
    case 0xca:
      return r.fixed(4, (v, p) => v.getFloat32(p));
    case 0xcb:
      return r.fixed(8, (v, p) => v.getFloat64(p));
    case 0xcc:
      return r.u8();
    case 0xcd:
      return r.u16();
    case 0xce:
      return r.u32();
    case 0xcf:
      return r.fixed(8, (v, p) => v.getUint32(p) * 2 ** 32 + v.getUint32(p + 4)); // exact up to 2^53
    case 0xd0:
      return r.fixed(1, (v, p) => v.getInt8(p));
    case 0xd1:
      return r.fixed(2, (v, p) => v.getInt16(p));
    case 0xd2:
      return r.fixed(4, (v, p) => v.getInt32(p));
    case 0xd3:
      return r.fixed(8, (v, p) => v.getInt32(p) * 2 ** 32 + v.getUint32(p + 4));
    case 0xd9:
      return r.str(r.u8());
    case 0xda:
      return r.str(r.u16());
    case 0xdb:
      return r.str(r.u32());
    case 0xdc:
      return array(r, r.u16(), depth);
    case 0xdd:
      return array(r, r.u32(), depth);
    case 0xde:
      return map(r, r.u16(), depth);
    case 0xdf:
      return map(r, r.u32(), depth);
    case 0xc1:
      throw new MsgpackError(`reserved byte 0xc1 at offset ${at}`);
    default:
      throw new MsgpackError(`extension type ${extensionType(r, b)} is not allowed (at offset ${at})`);
  }
}

// The type number of an ext value (format 0xc7-0xc9 or 0xd4-0xd8), to name it in the error.
function extensionType(r: MsgpackReader, format: number): string {
  const lengthBytes = format === 0xc7 ? 1 : format === 0xc8 ? 2 : format === 0xc9 ? 4 : 0;
  const at = r.pos + lengthBytes;
  return at < r.bytes.length ? String(r.view.getInt8(at)) : `format 0x${format.toString(16)}`;
}

function array(r: MsgpackReader, n: number, depth: number): unknown[] {
  r.need(n); // every item takes at least one byte
  if (depth <= 0) throw new MsgpackError(`more than ${MAX_DEPTH} nested containers`);
  const items = new Array<unknown>(n);
  for (let i = 0; i < n; i += 1) items[i] = readMsgpack(r, depth - 1);
  return items;
}

function map(r: MsgpackReader, n: number, depth: number): Record<string, unknown> {
  r.need(2 * n); // every entry takes at least two bytes
  if (depth <= 0) throw new MsgpackError(`more than ${MAX_DEPTH} nested containers`);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i += 1) {
    const at = r.pos;
    const key = readMsgpack(r, depth - 1);
    if (typeof key !== "string" && typeof key !== "number") throw new MsgpackError(`map key of type ${key === null ? "nil" : typeof key} at offset ${at} (expected a string)`);
    const value = readMsgpack(r, depth - 1);
    if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}
