// One BPE encoding's rank table, read from data/tokenizer/<name>.ranks.gz (written by
// scripts/token-ranks.mjs from OpenAI's tiktoken files; data/tokenizer/README.md says where they
// come from). The table is the file's bytes plus an open-addressing hash index over them, so a
// byte string's rank is found without building a JS string or Map entry per token: o200k takes
// about 4.5 MiB of buffers here (some 11 MiB of RSS), where gpt-tokenizer's strings took 58 MiB.
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

/** The encodings iron counts with. */
export type EncodingName = "o200k_base" | "cl100k_base";

/** No rank: the byte string is not a token. */
export const NO_RANK = -1;

const DATA = new URL("../../data/tokenizer/", import.meta.url);

// FNV-1a over the bytes, then a final mix so the low bits (the slot) depend on every byte.
function hashOf(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i += 1) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** Byte string → rank for one encoding. */
export class RankTable {
  /** Token count (ranks run 0 … size − 1). */
  readonly size: number;
  // The file's layout: per rank, one length byte then the token's bytes.
  private readonly data: Uint8Array;
  // Offset in `data` of each rank's bytes (its length byte is just before).
  private readonly offsets: Uint32Array;
  // Hash slots holding rank + 1 (0: empty), linear probing.
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(data: Uint8Array) {
    let size = 0;
    for (let at = 0; at < data.length; at += 1 + (data[at] as number)) size += 1;
    this.size = size;
    this.data = data;
    this.offsets = new Uint32Array(size);
    let slotCount = 1;
    while (slotCount < size * 2.5) slotCount *= 2;
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    let at = 0;
    for (let rank = 0; rank < size; rank += 1) {
      const start = at + 1;
      const end = start + (data[at] as number);
      this.offsets[rank] = start;
      let slot = hashOf(data, start, end) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = rank + 1;
      at = end;
    }
  }

  /** The rank of `bytes[from, to)`, or NO_RANK when that byte string is not a token. */
  rank(bytes: Uint8Array, from: number, to: number): number {
    const data = this.data;
    const length = to - from;
    let slot = hashOf(bytes, from, to) & this.mask;
    for (;;) {
      const entry = this.slots[slot] as number;
      if (entry === 0) return NO_RANK;
      const start = this.offsets[entry - 1] as number;
      if (data[start - 1] === length) {
        let i = 0;
        while (i < length && data[start + i] === bytes[from + i]) i += 1;
        if (i === length) return entry - 1;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** The bytes of a rank (tests and decoding). */
  bytesOf(rank: number): Uint8Array {
    const start = this.offsets[rank] as number;
    return this.data.subarray(start, start + (this.data[start - 1] as number));
  }
}

/**
 * Reads and indexes one encoding's rank table. The file is read off the event loop; inflating it
 * (about 10 ms) runs on it, which leaves about 2 MiB less RSS behind than zlib's thread pool.
 */
export async function loadRankTable(name: EncodingName): Promise<RankTable> {
  const data = gunzipSync(await readFile(new URL(`${name}.ranks.gz`, DATA)));
  return new RankTable(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
