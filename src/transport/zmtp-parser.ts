// ZMTP frames out of a byte stream split anywhere: short (1-byte size) and long (8-byte size)
// headers, commands and message parts. A frame that fits in the chunk it arrived in is handed out
// as a view of that chunk; a longer one is gathered part by part and copied once, so a 16 MiB
// message costs one copy however many reads it took, and memory grows only with bytes received.
import { FLAG_LONG, ZmtpError } from "./zmtp-codec.js";

const EMPTY = Buffer.alloc(0);
/** Flag bits 3-7 are reserved and must be zero. */
const RESERVED_FLAGS = 0xf8;

/** Incremental frame parser: push chunks, pull whole frames. */
export class FrameParser {
  /** Largest frame body accepted; a bigger header closes the connection (it is never buffered). */
  maxBody: number;
  /** The flags of the frame `next()` returned last. */
  flags = 0;
  #chunk: Buffer = EMPTY;
  #at = 0;
  /** A frame body being gathered across chunks: its size, flags and the parts so far. */
  #want = -1;
  #wantFlags = 0;
  #got = 0;
  #parts: Buffer[] = [];

  constructor(maxBody: number) {
    this.maxBody = maxBody;
  }

  /** Adds bytes read from the socket. */
  push(chunk: Buffer): void {
    if (this.#at >= this.#chunk.length) this.#chunk = chunk;
    else this.#chunk = Buffer.concat([this.#chunk.subarray(this.#at), chunk]); // at most a partial header (or frames not drained yet)
    this.#at = 0;
  }

  /** True while bytes that may complete a frame are waiting to be parsed. */
  get pending(): boolean {
    return this.#at < this.#chunk.length;
  }

  /** The next whole frame's body (its flags in `flags`), or null until more bytes arrive; throws on a malformed frame. */
  next(): Buffer | null {
    if (this.#want >= 0) return this.#gather();
    const chunk = this.#chunk;
    const at = this.#at;
    const left = chunk.length - at;
    if (left < 2) return null;
    const flags = chunk[at] as number;
    if ((flags & RESERVED_FLAGS) !== 0) throw new ZmtpError("ERR_ZMTP_MALFORMED_FRAME", `reserved flag bits set: 0x${flags.toString(16).padStart(2, "0")}`);
    let size: number;
    let start: number;
    if ((flags & FLAG_LONG) === 0) {
      size = chunk[at + 1] as number;
      start = at + 2;
    } else {
      if (left < 9) return null;
      const high = chunk.readUInt32BE(at + 1);
      size = chunk.readUInt32BE(at + 5);
      if (high !== 0) throw new ZmtpError("ERR_ZMTP_MESSAGE_TOO_LARGE", `a frame of ${high * 2 ** 32 + size} bytes; at most ${this.maxBody} are accepted`);
      start = at + 9;
    }
    if (size > this.maxBody) throw new ZmtpError("ERR_ZMTP_MESSAGE_TOO_LARGE", `a frame of ${size} bytes; at most ${this.maxBody} are accepted`);
    const end = start + size;
    if (end <= chunk.length) {
      this.#at = end;
      this.flags = flags;
      return chunk.subarray(start, end);
    }
    this.#want = size;
    this.#wantFlags = flags;
    this.#got = chunk.length - start;
    this.#parts = [chunk.subarray(start)];
    this.#at = chunk.length;
    return null;
  }

  // Adds what the current chunk holds to a frame gathered across chunks; the frame once whole.
  #gather(): Buffer | null {
    const take = Math.min(this.#chunk.length - this.#at, this.#want - this.#got);
    if (take > 0) {
      this.#parts.push(this.#chunk.subarray(this.#at, this.#at + take));
      this.#at += take;
      this.#got += take;
    }
    if (this.#got < this.#want) return null;
    const body = this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#want);
    this.flags = this.#wantFlags;
    this.#want = -1;
    this.#parts = [];
    return body;
  }
}
