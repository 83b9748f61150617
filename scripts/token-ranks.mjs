// Writes data/tokenizer/<encoding>.ranks.gz: the rank tables of the two BPE encodings iron counts
// OpenAI prompts with (o200k_base, cl100k_base), in a compact form the supervisor reads in a few
// milliseconds (src/policy/bpe-ranks.ts). Source: the `.tiktoken` files shipped in the
// gpt-tokenizer package (a devDependency), which are OpenAI tiktoken's files (MIT); see
// data/tokenizer/README.md. Deterministic: the same input gives byte-identical output.
//
// Layout (before gzip): for rank 0, 1, 2, … in order, one byte with the token's length in bytes
// (1–255), then the token's bytes. Ranks in a `.tiktoken` file are contiguous from 0, which this
// script checks, so the rank is the position.
//
// Run: node scripts/token-ranks.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const SOURCE = new URL("../node_modules/gpt-tokenizer/data/", import.meta.url);
const OUT = new URL("../data/tokenizer/", import.meta.url);

for (const name of ["o200k_base", "cl100k_base"]) {
  const lines = readFileSync(new URL(`${name}.tiktoken`, SOURCE), "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
  const parts = [];
  for (const [i, line] of lines.entries()) {
    const [b64, rank] = line.split(" ");
    if (Number(rank) !== i) throw new Error(`${name}: rank ${rank} on line ${i + 1}, expected ${i}`);
    const bytes = Buffer.from(b64, "base64");
    if (bytes.length < 1 || bytes.length > 255) throw new Error(`${name}: rank ${i} is ${bytes.length} bytes long`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  const raw = Buffer.concat(parts);
  const packed = gzipSync(raw, { level: 9 });
  // gzip's header holds a modification time of 0 and the OS byte: pin the OS byte too (255, unknown).
  packed[9] = 255;
  writeFileSync(new URL(`${name}.ranks.gz`, OUT), packed);
  console.log(`${name}: ${lines.length} ranks, ${raw.length} bytes, ${packed.length} gzipped`);
}
