// Protects exact token counts (budgets reserve on them): iron's own BPE encoder must give the
// token ids OpenAI's tiktoken gives (its Rust core, run here as the `tiktoken` package's WASM) for
// o200k_base and cl100k_base, on a large varied corpus: this repo's docs and sources, many
// languages and scripts, emoji sequences, whitespace runs, numbers, contractions, special-token
// strings, pieces over 256 bytes (the heap merge), and seeded random strings of the characters
// where pre-tokenizers disagree. It must also give what gpt-tokenizer (the tokenizer iron used
// before) gives, except on U+FEFF and U+0085, where gpt-tokenizer's JS `\s` differs from
// tiktoken's Unicode White_Space.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as gptCl100k from "gpt-tokenizer/encoding/cl100k_base";
import * as gptO200k from "gpt-tokenizer/encoding/o200k_base";
import type { TiktokenEncoding, get_encoding as GetEncoding } from "tiktoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EncodingName } from "../../src/policy/bpe-ranks.js";
import { type BpeEncoding, loadBpe } from "../../src/policy/bpe.js";
import { REPO } from "../helpers/iron.js";

const { get_encoding } = createRequire(import.meta.url)("tiktoken") as { get_encoding: typeof GetEncoding };
const NAMES: EncodingName[] = ["o200k_base", "cl100k_base"];
const GPT = { o200k_base: gptO200k, cl100k_base: gptCl100k };
const PLAIN = { disallowedSpecial: new Set<string>() };

const SAMPLES = [
  "The quick brown fox jumps over the lazy dog. It's 3:45pm; we'll see—won't we?",
  "O'Sullivan's D'Arcy L'Llama 'Sam 'Tom 'Dave 'Lloyd 'Revenue 'Velvet 'Max it'Same THEY'REALLY I'VEry",
  "I'M HERE, THEY'LL GO, SHE'S, WE'VE, YOU'RE, I'D, DON'T, it'S, they'Ll, we'vE",
  "Hello <|endoftext|> world <|fim_prefix|><|im_start|>user<|im_sep|>hi<|im_end|><|endofprompt|>",
  "東京の天気は明日晴れるでしょうか？詳しく教えてください。北京欢迎你！서울은 오늘 맑습니다.",
  "Здравствуйте! Как доехать до вокзала? Ελληνικά κείμενα. مرحبا بالعالم. שלום עולם.",
  "नमस्ते दुनिया, हिन्दी में पाठ। สวัสดีครับ ภาษาไทย. Tiếng Việt có dấu: người, được, những.",
  "e\u0301 a\u0300\u0301\u0302 Å Å ﬁ ǅ ǈ ß İ ı Σσς ʰʲ ـــ ١٢٣ ४२ Ⅻ ½ ④ ４２",
  "👨‍👩‍👧‍👦 👍🏽 🇫🇷🇯🇵 1️⃣ #️⃣ ❤️‍🔥 🏳️‍🌈 🙂🙂🙂 emoji-heavy text 🚀🚀",
  "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n\nprint(fib(30))\r\n",
  'const x = { "a": [1, 2.5e-3, -7], "b": null };\n\tif (x?.a) { console.log("" + x.a); } // done\n',
  '<html><body><div class="x">&nbsp;&amp;</div></body></html>\n<?php echo $x; ?>',
  "12345678901234567890 3.14159 1,000,000.00 0x1F 1e10 2026-12-07T14:05:00Z +44 20 7946 0958",
  "https://example.com/a/b/c?x=1&y=2#frag //comment /// path/to/file.ts ../../x",
  "SGVsbG8gd29ybGQhIFRoaXMgaXMgYmFzZTY0Lg==/+/+aGVsbG8=",
  "a  b   c    d\t\te\n\nf\r\n\r\ng \n \n h   \n\n\n   ",
  " leading and trailing spaces   ",
  "\u00a0nbsp\u00a0\u00a0 ideographic\u3000\u3000space\u2003em\u2002en\u200bzero-width\u2028line\u2029para",
  "x".repeat(300),
  " ".repeat(100),
  "\n".repeat(50),
  "ab".repeat(150),
  "lone \ud800 high, lone \udc00 low, reversed \udc00\ud800 pair",
];

// Seeded random strings of the pieces pre-tokenizers are most likely to disagree on.
const ALPHABET = [
  "a",
  "B",
  "s",
  "S",
  "t",
  "ll",
  "LL",
  "re",
  "'",
  "'",
  "ſ",
  "K",
  "\u212a",
  " ",
  " ",
  "  ",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "\u00a0",
  "\u3000",
  "1",
  "23",
  "４",
  "é",
  "e\u0301",
  "東",
  "ー",
  "й",
  "Ж",
  "ǅ",
  "ʰ",
  "ـ",
  "👍",
  "🏽",
  "\u200d",
  "🇫",
  "/",
  "//",
  ".",
  "-",
  "_",
  "!",
  "?",
  "<|endoftext|>",
  "Hello",
  "WORLD",
  "ß",
  "İ",
  "\u0300",
  "١",
  "Ⅻ",
  "½",
];
let seed = 20261207;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
const FUZZ = Array.from({ length: 4000 }, () => Array.from({ length: 1 + Math.floor(random() * 14) }, () => pick(ALPHABET)).join(""));
// Random assigned-looking code points from the planes prompts use (BMP without surrogates, emoji).
const codePoint = () => (random() < 0.8 ? Math.floor(random() * 0xd000) : random() < 0.5 ? 0xe000 + Math.floor(random() * 0x2000) : 0x1f300 + Math.floor(random() * 0x700));
const RANDOM = Array.from({ length: 500 }, () => String.fromCodePoint(...Array.from({ length: 1 + Math.floor(random() * 30) }, codePoint)));

// This repo's own prose and code: a large corpus of the kind of text agents send.
const docs = readdirSync(join(REPO, "docs"))
  .filter((f) => f.endsWith(".md"))
  .map((f) => readFileSync(join(REPO, "docs", f), "utf8"));
const sources = ["src/policy/tokens.ts", "src/policy/bpe.ts", "python/iron_shim/__init__.py", "README.md"].map((f) => readFileSync(join(REPO, f), "utf8"));
// Pieces longer than 256 bytes (merged with a heap, src/policy/bpe-long.ts): runs of one kind of
// character, a base64 blob, words without spaces, CJK, emoji, and seeded random letter soup.
const soup = (letters: string, n: number) => Array.from({ length: n }, () => pick([...letters])).join("");
const LONG = [
  ...[257, 300, 1000, 3001].flatMap((n) => [" ".repeat(n), "\n".repeat(n), `x${" ".repeat(n)}y`, "\t ".repeat(n), "a".repeat(n), "!".repeat(n)]),
  "ab".repeat(400),
  "abc/".repeat(300),
  "東京都".repeat(120),
  "🙂".repeat(100),
  "ThisIsOneVeryLongCamelCaseIdentifierWithoutAnySpaces".repeat(8),
  Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 7919 + 13) % 256)).toString("base64"),
  ...Array.from({ length: 40 }, () => soup("abcdefghijklmnopqrstuvwxyz", 260 + Math.floor(random() * 700))),
  ...Array.from({ length: 20 }, () => soup("etaoinshrdlu", 300 + Math.floor(random() * 500))),
  ...Array.from({ length: 20 }, () => soup("аеиоуклмнрст", 150 + Math.floor(random() * 300))),
];
const CORPUS = [...SAMPLES, ...docs, ...sources, ...FUZZ, ...RANDOM, ...LONG];

const ours: Partial<Record<EncodingName, BpeEncoding>> = {};
const reference: Partial<Record<EncodingName, ReturnType<typeof GetEncoding>>> = {};

beforeAll(async () => {
  for (const name of NAMES) {
    ours[name] = await loadBpe(name);
    reference[name] = get_encoding(name as TiktokenEncoding);
  }
});
afterAll(() => {
  for (const name of NAMES) reference[name]?.free();
});

// The first texts whose ids differ (an empty list when all agree), short enough to read.
function mismatches(texts: string[], expected: (text: string) => number[], actual: (text: string) => number[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const a = expected(text);
    const b = actual(text);
    if (a.length !== b.length || a.some((id, i) => id !== b[i])) out.push(JSON.stringify(text.slice(0, 80)));
    if (out.length >= 5) break;
  }
  return out;
}

describe.each(NAMES)("%s", (name) => {
  it("gives tiktoken's token ids for every text of the corpus", () => {
    const tiktoken = reference[name] as ReturnType<typeof GetEncoding>;
    const bpe = ours[name] as BpeEncoding;
    expect(CORPUS.join("").length).toBeGreaterThan(200_000);
    expect(
      mismatches(
        CORPUS,
        (text) => [...tiktoken.encode(text, [], [])],
        (text) => bpe.encode(text),
      ),
    ).toEqual([]);
  });

  it("gives gpt-tokenizer's ids wherever its whitespace class agrees with tiktoken's", () => {
    const bpe = ours[name] as BpeEncoding;
    const texts = CORPUS.filter((text) => !/[\ufeff\u0085]/.test(text));
    expect(texts.length).toBeGreaterThan(CORPUS.length * 0.9);
    expect(
      mismatches(
        texts,
        (text) => GPT[name].encode(text, PLAIN),
        (text) => bpe.encode(text),
      ),
    ).toEqual([]);
  });

  it("counts a BOM and a NEL as tiktoken does, where gpt-tokenizer did not", () => {
    const tiktoken = reference[name] as ReturnType<typeof GetEncoding>;
    const bpe = ours[name] as BpeEncoding;
    const texts = ["a\ufeffb \ufeff c", "\ufeffimport os\n", "x\u0085 \u0085y", "a\t__23\ufeff京 "];
    expect(
      mismatches(
        texts,
        (text) => [...tiktoken.encode(text, [], [])],
        (text) => bpe.encode(text),
      ),
    ).toEqual([]);
    expect(
      mismatches(
        texts,
        (text) => GPT[name].encode(text, PLAIN),
        (text) => bpe.encode(text),
      ),
    ).not.toEqual([]);
  });

  it("counts what it encodes, and nothing for an empty text", () => {
    const bpe = ours[name] as BpeEncoding;
    for (const text of [...SAMPLES, ...FUZZ.slice(0, 200)]) expect(bpe.count(text)).toBe(bpe.encode(text).length);
    expect(bpe.count("")).toBe(0);
  });
});
