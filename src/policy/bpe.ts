// OpenAI's byte-pair encodings o200k_base and cl100k_base, as tiktoken computes them: split the
// text with the encoding's pre-tokenizer regex, then per piece either its own rank (one token) or
// rank-based merging of its UTF-8 bytes, lowest rank first, leftmost on ties. Special tokens
// (<|endoftext|> and the like) are not recognised: in a prompt they are ordinary text, as the API
// counts text a user sends.
import { mergeLong } from "./bpe-long.js";
import { type EncodingName, NO_RANK, type RankTable, loadRankTable } from "./bpe-ranks.js";

// tiktoken's patterns (tiktoken_ext/openai_public.py), in JS syntax, built from character
// classes so that the same pattern exists twice: with Unicode classes, and with their ASCII
// subsets for texts that are all ASCII (V8 runs that one several times faster; on ASCII input
// the two match the same pieces). Rust's `\s` is Unicode White_Space, which JS's `\s` is not
// (JS adds U+FEFF and lacks U+0085): spelled out as the property. `(?i:'s|…)` folds case with
// Unicode's rules, so `ſ` (U+017F) is an s there too. cl100k's possessive quantifiers (`?+`, `++`)
// are dropped: each is followed by a class it cannot overlap or by the end, so backtracking into
// them never finds another match.
interface Classes {
  letter: string;
  digit: string;
  upperish: string;
  lowerish: string;
  space: string;
  s: string;
}
const UNICODE: Classes = {
  letter: String.raw`\p{L}`,
  digit: String.raw`\p{N}`,
  upperish: String.raw`\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}`,
  lowerish: String.raw`\p{Ll}\p{Lm}\p{Lo}\p{M}`,
  space: String.raw`\p{White_Space}`,
  s: "sSſ",
};
const ASCII: Classes = { letter: "A-Za-z", digit: "0-9", upperish: "A-Z", lowerish: "a-z", space: String.raw`\t\n\v\f\r `, s: "sS" };

function pattern(name: EncodingName, c: Classes): string {
  const contraction = `'(?:[${c.s}]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])`;
  const notLetterDigitNewline = String.raw`[^\r\n${c.letter}${c.digit}]`;
  const space = `[${c.space}]`;
  if (name === "o200k_base") {
    return [
      `${notLetterDigitNewline}?[${c.upperish}]*[${c.lowerish}]+(?:${contraction})?`,
      `${notLetterDigitNewline}?[${c.upperish}]+[${c.lowerish}]*(?:${contraction})?`,
      `[${c.digit}]{1,3}`,
      String.raw` ?[^${c.space}${c.letter}${c.digit}]+[\r\n/]*`,
      String.raw`${space}*[\r\n]+`,
      `${space}+(?![^${c.space}])`,
      `${space}+`,
    ].join("|");
  }
  return [
    contraction,
    `${notLetterDigitNewline}?[${c.letter}]+`,
    `[${c.digit}]{1,3}`,
    String.raw` ?[^${c.space}${c.letter}${c.digit}]+[\r\n]*`,
    `${space}+$`,
    String.raw`${space}*[\r\n]`,
    `${space}+(?![^${c.space}])`,
    space,
  ].join("|");
}
// Any character outside ASCII: the text needs the Unicode pattern.
const NON_ASCII = /[^\0-\x7f]/;

const NO_PAIR = 0x7fffffff;
// Above this many bytes a piece is merged with a heap (bpe-long.ts): same ids, no quadratic time.
const LONG_PIECE = 256;
// Pieces recur (words, indentation, punctuation): their ids are kept, up to this many pieces,
// then the cache starts over (a hash lookup of the piece string beats hashing its UTF-8 bytes).
const PIECE_CACHE_MAX = 8192;

/** One loaded encoding: token ids and counts of plain text. */
export class BpeEncoding {
  private readonly split: RegExp;
  private readonly splitAscii: RegExp;
  // The same patterns, sticky: each piece starts where the last one ended (every character is
  // matched by some alternative), so \`test\` finds it without building a match array.
  private readonly sticky: RegExp;
  private readonly stickyAscii: RegExp;
  private readonly pieces = new Map<string, number | number[]>();
  // Scratch space reused by every piece (the encoder is synchronous, so never shared).
  private bytes = new Uint8Array(256);
  private starts = new Int32Array(257);
  private ranks = new Int32Array(257);

  constructor(
    readonly name: EncodingName,
    private readonly table: RankTable,
  ) {
    this.split = new RegExp(pattern(name, UNICODE), "gu");
    this.splitAscii = new RegExp(pattern(name, ASCII), "g");
    this.sticky = new RegExp(pattern(name, UNICODE), "yu");
    this.stickyAscii = new RegExp(pattern(name, ASCII), "y");
  }

  /** The token ids of a text. */
  encode(text: string): number[] {
    const out: number[] = [];
    this.run(text, out);
    return out;
  }

  /** How many tokens a text is. */
  count(text: string): number {
    return this.run(text, null);
  }

  private run(text: string, out: number[] | null): number {
    const ascii = !NON_ASCII.test(text);
    const sticky = ascii ? this.stickyAscii : this.sticky;
    const pieces = this.pieces;
    let n = 0;
    let at = 0;
    while (at < text.length) {
      sticky.lastIndex = at;
      let piece: string;
      if (sticky.test(text)) {
        piece = text.slice(at, sticky.lastIndex);
        at = sticky.lastIndex;
      } else {
        // Not expected (every character starts a piece); searched on exactly as a global split would.
        const split = ascii ? this.splitAscii : this.split;
        split.lastIndex = at;
        const m = split.exec(text);
        if (m === null) break;
        piece = m[0];
        at = split.lastIndex;
      }
      let ids = pieces.get(piece);
      if (ids === undefined) {
        ids = this.piece(piece);
        if (pieces.size >= PIECE_CACHE_MAX) pieces.clear();
        pieces.set(piece, ids);
      }
      if (typeof ids === "number") {
        out?.push(ids);
        n += 1;
      } else {
        if (out !== null) for (const id of ids) out.push(id);
        n += ids.length;
      }
    }
    return n;
  }

  // One piece's ids: its own rank when it is a token, else the merge of its bytes.
  private piece(piece: string): number | number[] {
    const length = this.utf8(piece);
    const whole = this.table.rank(this.bytes, 0, length);
    if (whole !== NO_RANK) return whole;
    return this.merge(length);
  }

  // Writes a piece's UTF-8 bytes into `this.bytes`; a lone surrogate becomes U+FFFD, as
  // TextEncoder writes it. Returns the byte length.
  private utf8(piece: string): number {
    if (this.bytes.length < piece.length * 3) this.grow(piece.length * 3);
    const bytes = this.bytes;
    let at = 0;
    for (let i = 0; i < piece.length; i += 1) {
      let c = piece.charCodeAt(i);
      if (c < 0x80) {
        bytes[at++] = c;
      } else if (c < 0x800) {
        bytes[at++] = 0xc0 | (c >> 6);
        bytes[at++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = piece.charCodeAt(i + 1);
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i += 1;
            bytes[at++] = 0xf0 | (c >> 18);
            bytes[at++] = 0x80 | ((c >> 12) & 0x3f);
            bytes[at++] = 0x80 | ((c >> 6) & 0x3f);
            bytes[at++] = 0x80 | (c & 0x3f);
            continue;
          }
          c = 0xfffd;
        }
        bytes[at++] = 0xe0 | (c >> 12);
        bytes[at++] = 0x80 | ((c >> 6) & 0x3f);
        bytes[at++] = 0x80 | (c & 0x3f);
      }
    }
    return at;
  }

  private grow(size: number): void {
    this.bytes = new Uint8Array(size);
    this.starts = new Int32Array(size + 1);
    this.ranks = new Int32Array(size + 1);
  }

  // tiktoken's _byte_pair_merge over this.bytes[0, length): parts start at every byte; merge the
  // adjacent pair of lowest rank (leftmost on ties) until no pair is a token. Returns the ids.
  private merge(length: number): number[] {
    const { bytes, table, starts, ranks } = this;
    if (length > LONG_PIECE) return mergeLong(table, bytes, length);
    const pairRank = (from: number, to: number): number => {
      const r = table.rank(bytes, from, to);
      return r === NO_RANK ? NO_PAIR : r;
    };
    for (let i = 0; i < length - 1; i += 1) {
      starts[i] = i;
      ranks[i] = pairRank(i, i + 2);
    }
    starts[length - 1] = length - 1;
    ranks[length - 1] = NO_PAIR;
    starts[length] = length;
    ranks[length] = NO_PAIR;
    let parts = length + 1;
    for (;;) {
      let min = NO_PAIR;
      let at = -1;
      for (let i = 0; i < parts - 1; i += 1) {
        if ((ranks[i] as number) < min) {
          min = ranks[i] as number;
          at = i;
        }
      }
      if (at < 0) break;
      if (at > 0) ranks[at - 1] = at + 2 < parts ? pairRank(starts[at - 1] as number, starts[at + 2] as number) : NO_PAIR;
      ranks[at] = at + 3 < parts ? pairRank(starts[at] as number, starts[at + 3] as number) : NO_PAIR;
      starts.copyWithin(at + 1, at + 2, parts);
      ranks.copyWithin(at + 1, at + 2, parts);
      parts -= 1;
    }
    const ids: number[] = [];
    for (let i = 0; i < parts - 1; i += 1) ids.push(table.rank(bytes, starts[i] as number, starts[i + 1] as number));
    return ids;
  }
}

/** Loads one encoding (its rank table is read from the package's data/tokenizer/). */
export async function loadBpe(name: EncodingName): Promise<BpeEncoding> {
  return new BpeEncoding(name, await loadRankTable(name));
}
