// Writes test/fixtures/pii/corpus.jsonl: the project's own PII corpus for the SSN, IBAN and
// card detectors — true cases in every common written form (with and without the context words
// the detectors use) and false cases (failed checksums, reserved numbers, identifiers of other
// things). Deterministic (seeded), so the file only changes when this script does.
// Run: node scripts/pii-corpus.mjs
import { writeFileSync } from "node:fs";

let seed = 20261207;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (list) => list[int(0, list.length - 1)];
const digits = (n) => Array.from({ length: n }, () => int(0, 9)).join("");
const GEN = "synthetic: scripts/pii-corpus.mjs";
const cases = [];
const add = (detector, truth, text, value, form, source = GEN) => cases.push({ detector, truth, text, value: truth ? value : null, form, source });

// --- SSN (rules: SSA, area not 000/666/9xx, group not 00, serial not 0000) ---
function ssnParts() {
  let area;
  do area = int(1, 899);
  while (area === 666);
  return [String(area).padStart(3, "0"), String(int(1, 99)).padStart(2, "0"), String(int(1, 9999)).padStart(4, "0")];
}
const SSN_CONTEXT = [
  "SSN: {v}",
  "my SSN is {v}",
  "Social Security number {v}",
  "social security no. {v}",
  "SSN# {v}",
  "soc. sec. {v}",
  "taxpayer id {v}",
  "ssn {v} on file",
  "Employee SSN - {v}",
  "His social security number: {v}.",
];
for (let i = 0; i < 25; i += 1) {
  const [a, g, s] = ssnParts();
  add("ssn", true, pick(["here it is: {v}", "{v}", "{v} attached", "number {v}."]).replace("{v}", `${a}-${g}-${s}`), `${a}-${g}-${s}`, "dashed, no context");
  for (const [sep, form] of [
    ["-", "dashed"],
    [" ", "spaced"],
    [".", "dotted"],
    ["", "nine digits"],
  ]) {
    const [a2, g2, s2] = ssnParts();
    const v = [a2, g2, s2].join(sep);
    add("ssn", true, pick(SSN_CONTEXT).replace("{v}", v), v, `${form}, with context`);
  }
}
for (let i = 0; i < 20; i += 1) {
  const [, g, s] = ssnParts();
  const bad = [
    [pick(["000", "666", String(int(900, 999))]), g, s],
    [ssnParts()[0], "00", s],
    [ssnParts()[0], g, "0000"],
  ][i % 3];
  add("ssn", false, pick(SSN_CONTEXT).replace("{v}", bad.join("-")), null, "invalid area, group or serial");
}
for (let i = 0; i < 12; i += 1)
  add(
    "ssn",
    false,
    pick(["order {v} shipped", "the population was {v} people", "batch {v}", "total: {v} bytes"]).replace("{v}", digits(1) === "0" ? `1${digits(8)}` : `${int(1, 8)}${digits(8)}`),
    null,
    "nine digits, no context",
  );
for (let i = 0; i < 12; i += 1) {
  const [a, g, s] = ssnParts();
  add("ssn", false, pick(["order #{v}", "invoice no. {v}", "ticket {v}", "ref: {v}"]).replace("{v}", `${a}-${g}-${s}`), null, "dashed after an identifier word");
}
for (let i = 0; i < 10; i += 1) {
  const [a, g, s] = ssnParts();
  add("ssn", false, pick(["version {v} released", "see section {v}", "values {v} approx"]).replace("{v}", `${a}.${g}.${s}`), null, "dotted, no context");
}

// --- IBAN (ISO 13616: country length, mod-97) ---
const COUNTRIES = {
  DE: [18, "n"],
  GB: [18, "GB"],
  FR: [23, "fr"],
  NL: [14, "nl"],
  ES: [20, "n"],
  IT: [23, "it"],
  BE: [12, "n"],
  CH: [17, "n"],
  AT: [16, "n"],
  PL: [24, "n"],
  SE: [20, "n"],
  IE: [18, "GB"],
  PT: [21, "n"],
  NO: [11, "n"],
  DK: [14, "n"],
};
function bban(country) {
  const [len, kind] = COUNTRIES[country];
  if (kind === "GB") return `${pick(["WEST", "NWBK", "BARC", "MIDL", "AIBK"])}${digits(len - 4)}`;
  if (kind === "nl") return `${pick(["ABNA", "RABO", "INGB"])}${digits(len - 4)}`;
  if (kind === "fr") return `${digits(len - 3)}${pick(["M", "A", "0"])}${digits(2)}`;
  if (kind === "it") return `${pick(["X", "A", "K"])}${digits(len - 1)}`;
  return digits(len);
}
function mod97(text) {
  let r = 0;
  for (const ch of text) {
    const value = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of value) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}
function iban(country) {
  const b = bban(country);
  const check = 98 - mod97(`${b}${country}00`);
  return `${country}${String(check).padStart(2, "0")}${b}`;
}
const grouped = (v, sep) => v.match(/.{1,4}/g).join(sep);
const IBAN_TEXT = ["IBAN: {v}", "pay to {v} by friday", "{v}", "account {v}.", "Bank details - {v}", "please wire EUR 200 to {v} (ref rent)"];
for (let i = 0; i < 25; i += 1) {
  for (const [form, make] of [
    ["compact", (v) => v],
    ["groups of four", (v) => grouped(v, " ")],
    ["lowercase compact", (v) => v.toLowerCase()],
    ["dashes", (v) => grouped(v, "-")],
  ]) {
    const v = make(iban(pick(Object.keys(COUNTRIES))));
    add("iban", true, pick(IBAN_TEXT).replace("{v}", v), v, form);
  }
}
for (let i = 0; i < 25; i += 1) {
  const good = iban(pick(Object.keys(COUNTRIES)));
  const wrongCheck = `${good.slice(0, 2)}${String((Number(good.slice(2, 4)) + int(1, 50)) % 100).padStart(2, "0")}${good.slice(4)}`;
  add("iban", false, pick(IBAN_TEXT).replace("{v}", wrongCheck), null, "failed mod-97");
  add("iban", false, pick(IBAN_TEXT).replace("{v}", `${good}${int(0, 9)}`), null, "wrong length for the country");
}
for (let i = 0; i < 10; i += 1) add("iban", false, pick(["SKU AB12 CDEF GHIJ KLMN in stock", "code XY99ABCD1234EFGH", "part QQ11 2222 3333 4444"]), null, "IBAN-shaped code");

// --- Cards (network prefix and length, Luhn) ---
function luhnComplete(partial) {
  let sum = 0;
  for (let i = 0; i < partial.length; i += 1) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${partial}${(10 - (sum % 10)) % 10}`;
}
const NETWORKS = [
  ["visa", () => `4${digits(14)}`, 16],
  ["mastercard", () => `5${int(1, 5)}${digits(13)}`, 16],
  ["amex", () => `3${pick([4, 7])}${digits(12)}`, 15],
  ["discover", () => `6011${digits(11)}`, 16],
];
const spacedCard = (v, sep) => (v.length === 15 ? [v.slice(0, 4), v.slice(4, 10), v.slice(10)] : v.match(/.{4}/g)).join(sep);
const CARD_TEXT = ["card {v}", "pay with {v} please", "{v} exp 12/27", "my card number is {v}", "Card: {v}.", "charged to {v} yesterday"];
for (let i = 0; i < 34; i += 1) {
  for (const [form, make] of [
    ["compact", (v) => v],
    ["spaced", (v) => spacedCard(v, " ")],
    ["dashed", (v) => spacedCard(v, "-")],
  ]) {
    const [, gen] = pick(NETWORKS);
    const v = make(luhnComplete(gen()));
    add("credit_card", true, pick(CARD_TEXT).replace("{v}", v), v, form);
  }
}
for (let i = 0; i < 25; i += 1) {
  const [, gen] = pick(NETWORKS);
  const good = luhnComplete(gen());
  const bad = `${good.slice(0, -1)}${(Number(good.at(-1)) + int(1, 9)) % 10}`;
  add("credit_card", false, pick(CARD_TEXT).replace("{v}", spacedCard(bad, " ")), null, "failed Luhn");
}
for (let i = 0; i < 15; i += 1)
  add("credit_card", false, pick(["order #{v}", "tracking number {v}", "invoice no. {v}"]).replace("{v}", luhnComplete(`4${digits(14)}`)), null, "compact after an identifier word");
for (let i = 0; i < 15; i += 1) add("credit_card", false, pick(["timestamp {v}", "epoch ms {v}", "id {v}"]).replace("{v}", `17${digits(11)}`), null, "13-digit timestamp or id");

// --- Documented public examples ---
const DOCUMENTED = [
  ["iban", true, "IBAN GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32", "groups of four", "https://en.wikipedia.org/wiki/International_Bank_Account_Number (example)"],
  ["iban", true, "DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00", "groups of four", "https://en.wikipedia.org/wiki/International_Bank_Account_Number (example)"],
  ["iban", false, "GB82 WEST 1234 5698 7654 33", null, "failed mod-97", "Wikipedia example with its last digit changed"],
  ["credit_card", true, "test card 4242 4242 4242 4242", "4242 4242 4242 4242", "spaced", "https://docs.stripe.com/testing (test card)"],
  ["credit_card", true, "mc 5555555555554444", "5555555555554444", "compact", "https://docs.stripe.com/testing (test card)"],
  ["credit_card", true, "amex 3782 822463 10005", "3782 822463 10005", "spaced", "https://docs.stripe.com/testing (test card)"],
  ["credit_card", false, "card 4242 4242 4242 4241", null, "failed Luhn", "Stripe test card with its last digit changed"],
  ["ssn", true, "SSN 078-05-1120", "078-05-1120", "dashed, with context", "https://www.ssa.gov/history/ssn/misused.html (the Woolworth wallet number: voided, still written as an SSN)"],
];
for (const [d, t, text, v, form, source] of DOCUMENTED) add(d, t, text, v, form, source);

writeFileSync(new URL("../test/fixtures/pii/corpus.jsonl", import.meta.url), `${cases.map((c) => JSON.stringify(c)).join("\n")}\n`);
console.log(`${cases.length} cases`);
