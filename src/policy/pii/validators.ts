// Checksums and structural rules that turn "looks like" into "is": Luhn and issuer ranges
// for cards, ISO 13616 mod-97 and per-country lengths for IBANs, SSA rules for SSNs, and
// address validity for IPv4/IPv6.
import { isIPv6 } from "node:net";

/** Luhn (mod 10) check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** True when every character is the same (0000 0000 …, 111-11-1111): test filler, not data. */
export function allSame(digits: string): boolean {
  return /^(\d)\1*$/.test(digits);
}

// Issuer ranges (IIN prefixes) and lengths of the card networks in use.
const CARD_NETWORKS: ReadonlyArray<{ test: (d: string) => boolean; lengths: readonly number[] }> = [
  { test: (d) => d.startsWith("4"), lengths: [13, 16, 19] }, // Visa
  { test: (d) => inRange(d, 2, 51, 55) || inRange(d, 4, 2221, 2720), lengths: [16] }, // Mastercard
  { test: (d) => d.startsWith("34") || d.startsWith("37"), lengths: [15] }, // American Express
  { test: (d) => d.startsWith("6011") || d.startsWith("65") || inRange(d, 3, 644, 649) || inRange(d, 6, 622126, 622925), lengths: [16, 19] }, // Discover
  { test: (d) => inRange(d, 4, 3528, 3589), lengths: [16, 17, 18, 19] }, // JCB
  { test: (d) => inRange(d, 3, 300, 305) || d.startsWith("36") || d.startsWith("38") || d.startsWith("39"), lengths: [14, 16, 19] }, // Diners
  { test: (d) => d.startsWith("62"), lengths: [16, 17, 18, 19] }, // UnionPay
  { test: (d) => d.startsWith("50") || inRange(d, 2, 56, 69), lengths: [12, 13, 14, 15, 16, 17, 18, 19] }, // Maestro
  { test: (d) => inRange(d, 4, 2200, 2204), lengths: [16, 17, 18, 19] }, // Mir
];

function inRange(digits: string, width: number, low: number, high: number): boolean {
  const n = Number(digits.slice(0, width));
  return n >= low && n <= high;
}

/** A card number: a known issuer range and length, a valid Luhn checksum, not filler. */
export function cardValid(digits: string): boolean {
  if (digits.length < 12 || digits.length > 19 || allSame(digits)) return false;
  if (!CARD_NETWORKS.some((n) => n.test(digits) && n.lengths.includes(digits.length))) return false;
  return luhnValid(digits);
}

// IBAN length per country (ISO 13616 registry).
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** An IBAN: a registered country, that country's length, and the ISO 7064 mod-97 check equal to 1. */
export function ibanValid(compact: string): boolean {
  const iban = compact.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** A US SSN as the SSA issues them: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === "00" || serial === "0000") return false;
  return !allSame(area + group + serial);
}

/** A dotted-quad IPv4 address: four octets 0–255 without leading zeros. */
export function ipv4Valid(text: string): boolean {
  const parts = text.split(".");
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(?:0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** An IPv6 address (RFC 4291 text forms, zone ids allowed) that has at least one digit (not a word like `dead::beef`). */
export function ipv6Valid(text: string): boolean {
  const address = text.split("%")[0] ?? "";
  if (!/\d/.test(address)) return false;
  return isIPv6(address);
}
