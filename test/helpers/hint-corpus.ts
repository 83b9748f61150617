// Texts to hold the response hints to: every string of the PII test corpora (the detector tests'
// literals, test/fixtures/pii/corpus.jsonl) and generated values of each detector's kind, embedded
// in text, plus random strings made of the characters the detectors care about. Seeded: the same
// texts on every run.
import { readFileSync } from "node:fs";
import { luhnValid } from "../../src/policy/pii/validators.js";

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), "utf8");

/** Every double-quoted string literal of the detector tests, and every corpus case's text. */
export function corpusTexts(): string[] {
  const texts: string[] = [];
  for (const file of ["../unit/pii-detectors.test.ts", "../unit/safety-policy.test.ts", "../unit/pii-corpus.test.ts", "../unit/event-scrub.test.ts"]) {
    for (const m of read(file).matchAll(/"((?:[^"\\\n]|\\.)*)"/g)) {
      try {
        texts.push(JSON.parse(`"${m[1]}"`) as string);
      } catch {
        // a literal JSON cannot read (a regex escape): not a text
      }
    }
  }
  for (const line of read("../fixtures/pii/corpus.jsonl").split("\n")) if (line.trim() !== "") texts.push((JSON.parse(line) as { text: string }).text);
  return texts;
}

/** A small seeded generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
const digits = (rnd: () => number, n: number): string => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join("");
const chars = (rnd: () => number, set: string, n: number): string => Array.from({ length: n }, () => pick(rnd, [...set])).join("");
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function luhnCard(rnd: () => number): string {
  const prefix = pick(rnd, ["4", "51", "55", "2221", "34", "37", "6011", "65", "3530", "36", "62", "50", "2200"]);
  const length = pick(rnd, [12, 13, 14, 15, 16, 17, 18, 19]);
  const body = prefix + digits(rnd, length - prefix.length - 1);
  for (let d = 0; d <= 9; d += 1) if (luhnValid(body + d)) return body + d;
  return body + "0";
}

function grouped(rnd: () => number, value: string): string {
  const sep = pick(rnd, ["", " ", "-", ".", "  "]);
  let out = "";
  for (let i = 0; i < value.length; i += 1) out += (i > 0 && rnd() < 0.3 ? sep : "") + value[i];
  return out;
}

function iban(rnd: () => number): string {
  const country = pick(rnd, ["DE", "GB", "FR", "NL", "NO", "BE", "MT", "IT", "ES", "CH"]);
  const lengths: Record<string, number> = { DE: 22, GB: 22, FR: 27, NL: 18, NO: 15, BE: 16, MT: 31, IT: 27, ES: 24, CH: 21 };
  const bban = chars(rnd, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", rnd() < 0.5 ? 4 : 0) + digits(rnd, 40);
  const rest = bban.slice(0, (lengths[country] ?? 22) - 4);
  // Check digits by mod 97 (ISO 7064) so the validator takes it.
  const numeric = (s: string): string => [...s].map((c) => (c >= "A" ? String(c.charCodeAt(0) - 55) : c)).join("");
  let remainder = 0;
  for (const d of numeric(`${rest + country}00`)) remainder = (remainder * 10 + Number(d)) % 97;
  const check = String(98 - remainder).padStart(2, "0");
  const compact = country + check + rest;
  const sep = pick(rnd, ["", " ", "-"]);
  return compact.replace(/(.{4})(?=.)/g, `$1${sep}`);
}

/** One generated value of a detector's kind (a candidate: the detector decides whether it is one). */
export function generated(rnd: () => number): string {
  switch (Math.floor(rnd() * 12)) {
    case 0:
      return grouped(rnd, luhnCard(rnd));
    case 1:
      return `${pick(rnd, ["", "phone ", "call ", "tel: ", "fax "])}${pick(rnd, ["+1 ", "1-", "", "+44 ", "0049 ", "+33 ", "+81-", "+91 "])}${pick(rnd, ["(", ""])}${digits(rnd, 3)}${pick(rnd, [") ", "-", ".", " ", ""])}${digits(rnd, pick(rnd, [3, 4]))}${pick(rnd, ["-", " ", ".", ""])}${digits(rnd, 4)}`;
    case 2:
      return `${pick(rnd, ["", "SSN ", "social security no. ", "TIN: "])}${digits(rnd, 3)}${pick(rnd, ["-", " ", ".", ""])}${digits(rnd, 2)}${pick(rnd, ["-", " ", ".", ""])}${digits(rnd, 4)}`;
    case 3:
      return iban(rnd);
    case 4:
      return `${pick(rnd, ["", "0"])}${digits(rnd, pick(rnd, [9, 10]))}`;
    case 5:
      return Array.from({ length: 4 }, () => String(Math.floor(rnd() * 256))).join(".");
    case 6: {
      const groups = Array.from({ length: 8 }, () => Math.floor(rnd() * 65536).toString(16));
      const form = Math.floor(rnd() * 4);
      if (form === 0) return groups.join(":");
      if (form === 1) return `${groups.slice(0, 2).join(":")}::${groups[7]}`;
      if (form === 2) return `::${pick(rnd, ["1", `ffff:${Math.floor(rnd() * 256)}.1.2.3`, groups[3]])}`;
      return `${groups[0]}::`;
    }
    case 7:
      return `${chars(rnd, `${ALNUM}._%+-`, 1 + Math.floor(rnd() * 12))}@${chars(rnd, `${ALNUM}-`, 1 + Math.floor(rnd() * 10))}.${chars(rnd, "abcdefghijklmnopqrstuvwxyz", 2 + Math.floor(rnd() * 4))}`;
    case 8:
      return pick(rnd, [
        `sk-${pick(rnd, ["", "proj-", "svcacct-", "admin-"])}${chars(rnd, `${ALNUM}_-`, 32 + Math.floor(rnd() * 20))}`,
        `sk-ant-api${digits(rnd, 2)}-${chars(rnd, `${ALNUM}_-`, 40)}`,
        `gh${pick(rnd, [..."pousr"])}_${chars(rnd, ALNUM, 36)}`,
        `github_pat_${chars(rnd, `${ALNUM}_`, 40)}`,
        `${pick(rnd, ["AKIA", "ASIA", "AROA"])}${chars(rnd, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`,
      ]);
    case 9: {
      const b64 = (s: string): string => Buffer.from(s).toString("base64url");
      return `eyJ${b64('{"alg":"HS256","typ":"JWT"}').slice(3)}.${b64(`{"sub":"${digits(rnd, 8)}"}`)}.${chars(rnd, `${ALNUM}_-`, 20)}`;
    }
    case 10:
      return `${pick(rnd, ["aws_secret_access_key", "SECRET_ACCESS_KEY", "Aws_Secret_Key", "SecretAccessKey", "secretaccesskey"])}${pick(rnd, ["=", ": ", ' = "', "='"])}${chars(rnd, `${ALNUM}/+=`, 40)}`;
    default:
      return `-----BEGIN ${pick(rnd, ["", "RSA ", "EC ", "OPENSSH "])}PRIVATE KEY-----\n${chars(rnd, ALNUM, 30)}\n-----END ${pick(rnd, ["", "RSA ", "EC ", "OPENSSH "])}PRIVATE KEY-----`;
  }
}

/** A generated value in a sentence, or a random string of the characters detectors look at. */
export function generatedText(rnd: () => number): string {
  if (rnd() < 0.25) return chars(rnd, "0123456789 .-()+:@abcdefABCDEF", 6 + Math.floor(rnd() * 30));
  const before = pick(rnd, ["", "Hi, ", "see ", "order #", "value: ", "é ", "(", "\n", "it is "]);
  const after = pick(rnd, ["", ".", " today", ", thanks", ")", "\n", "x", "-"]);
  return before + generated(rnd) + after;
}
