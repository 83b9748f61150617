// The built-in detectors: a candidate pattern, a cheap pre-check, and a validator that
// looks at the match and the text around it. Secrets first: they win every overlap.
import { negativeContext, phoneContext, ssnContext } from "./guards.js";
import { phoneValid } from "./phone.js";
import { cardValid, ibanValid, ipv4Valid, ipv6Valid, ssnValid } from "./validators.js";
import type { ResponseHint } from "../types.js";

/** One kind of sensitive value. */
export interface Detector {
  /** Config name: `email`, `credit_card`, … */
  readonly name: string;
  /** The group a config may name instead (`secret`, `ip`), or null. */
  readonly group: string | null;
  /** Placeholder type: `[EMAIL_1]`. */
  readonly label: string;
  /** Global pattern of candidates; the value is capture group `valueGroup` (whole match by default). */
  readonly pattern: RegExp;
  readonly valueGroup?: number;
  /** Cheap test on the whole text before the pattern runs at all. */
  readonly hint: (text: string) => boolean;
  /** Subject to the numeric guards (protected spans, "order #" before it). */
  readonly numeric: boolean;
  /** Higher wins when two matches overlap. */
  readonly priority: number;
  /** Whether the candidate really is one; `start` is its offset in `text`. */
  readonly validate?: (value: string, text: string, start: number) => boolean;
  /** The form two spellings of one value share (case, separators), for placeholders and hashes. */
  readonly normalize?: (value: string) => string;
  /**
   * A portable pattern (ResponseHint) that matches every text in which this detector finds a
   * value, so the shim can release a response none of them matches; absent (custom detectors): none.
   */
  readonly portable?: ResponseHint;
  /**
   * For streams (SPEC 3.6a `chunk_hints`): a portable pattern found in a read's text whenever a value of
   * this detector could begin in it and go on past a space or line break at its end (values with
   * whitespace in them: numbers in groups, PEM blocks); absent when its values hold no whitespace.
   */
  readonly portableHold?: ResponseHint;
}

const portableHint = (source: string, ignoreCase = false): ResponseHint => Object.freeze({ source, ignoreCase });

// One hint for the digit detectors (phone, card, SSN, IBAN), so the shim scans for digits once: a
// phone number has 8+ digits with at most 3 of ")", " ", ".", "-", "(" between two (a card 12+ with
// one " " or "-", an SSN 9 with one "-", " " or "."). An IBAN (15+ characters) has its check digits,
// a 4-character bank code, a group of 4 with a digit after at most 3 letters, and 3+ more characters.
// (JavaScript's \d is [0-9].)
const IBAN_GROUP = "(?:[0-9][A-Za-z0-9]{3}|[A-Za-z][0-9][A-Za-z0-9]{2}|[A-Za-z]{2}[0-9][A-Za-z0-9]|[A-Za-z]{3}[0-9])";
const NUMERIC = `[0-9](?:(?:[ .()-]{0,3}[0-9]){7}|[0-9][ -]?[A-Za-z0-9]{4}[ -]?${IBAN_GROUP}[ -]?[A-Za-z0-9]{3})`;

// A number written in groups (card, phone, IBAN, SSN) that goes on past a space has a digit before it.
const DIGIT_HOLD = portableHint("[0-9]");

const hasDigit = (text: string): boolean => /\d/.test(text);
const digitsOnly = (value: string): string => value.replace(/\D/g, "");
const compact = (value: string): string => value.replace(/[\s-]+/g, "").toUpperCase();

// A JWT's header is base64url JSON naming its algorithm.
function jwtValid(value: string): boolean {
  const header = value.split(".")[0] ?? "";
  try {
    const json = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as unknown;
    return typeof json === "object" && json !== null && ("alg" in json || "typ" in json);
  } catch {
    return false;
  }
}

/** Every built-in detector, in priority order. */
export const BUILTIN_DETECTORS: readonly Detector[] = [
  {
    name: "private_key",
    group: "secret",
    label: "PRIVATE_KEY",
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
    hint: (t) => t.includes("PRIVATE KEY"),
    numeric: false,
    priority: 100,
    portable: portableHint("PRIVATE KEY"),
    // Its header may run over several reads ("-----BEGIN RSA " | "PRIVATE KEY-----").
    portableHold: portableHint("-----BEGIN"),
  },
  {
    name: "jwt",
    group: "secret",
    label: "JWT",
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    hint: (t) => t.includes("eyJ"),
    numeric: false,
    priority: 95,
    portable: portableHint("eyJ[A-Za-z0-9_-]{8}"),
    validate: jwtValid,
  },
  {
    name: "anthropic_key",
    group: "secret",
    label: "ANTHROPIC_KEY",
    pattern: /\bsk-ant-[a-z]+\d{2}-[A-Za-z0-9_-]{32,}/g,
    hint: (t) => t.includes("sk-ant-"),
    numeric: false,
    priority: 90,
    portable: portableHint("sk-ant-[a-z]+[0-9]{2}-[A-Za-z0-9_-]{32}"),
  },
  {
    name: "openai_key",
    group: "secret",
    label: "OPENAI_KEY",
    pattern: /\bsk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{32,}/g,
    hint: (t) => t.includes("sk-"),
    numeric: false,
    priority: 85,
    portable: portableHint("sk-[A-Za-z0-9_-]{32}"),
  },
  {
    name: "github_token",
    group: "secret",
    label: "GITHUB_TOKEN",
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    hint: (t) => t.includes("gh") || t.includes("github_pat_"),
    numeric: false,
    priority: 85,
    portable: portableHint("gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22}"),
  },
  {
    name: "aws_access_key",
    group: "secret",
    label: "AWS_ACCESS_KEY",
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b/g,
    hint: (t) => /A[KSBCGIRNP][A-Z]A/.test(t),
    numeric: false,
    priority: 85,
    portable: portableHint("(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}"),
  },
  {
    name: "aws_secret_key",
    group: "secret",
    label: "AWS_SECRET_KEY",
    pattern: /(?:aws_secret_access_key|secret_access_key|aws_secret_key|SecretAccessKey)["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    valueGroup: 1,
    hint: (t) => /secret/i.test(t),
    numeric: false,
    priority: 85,
    // Each keyword, in any case, holds "secret" and then "_" or "a"; the ASCII classes are exact in both languages.
    portable: portableHint("[Ss][Ee][Cc][Rr][Ee][Tt][_Aa]"),
  },
  {
    name: "email",
    group: null,
    label: "EMAIL",
    pattern: /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b/g,
    hint: (t) => t.includes("@"),
    numeric: false,
    priority: 50,
    // From the "@": a first domain label of 1–63 characters, its dot, the next label.
    portable: portableHint("@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]"),
    validate: (value) => !value.includes(".."),
    normalize: (value) => value.toLowerCase(),
  },
  {
    name: "iban",
    group: null,
    label: "IBAN",
    // After the bank code, every group holds a digit: a word that follows ("by", "from") is not taken in.
    pattern: /\b[A-Za-z]{2}\d{2}[ -]?[A-Za-z0-9]{4}(?:[ -]?(?=[A-Za-z]{0,3}\d)[A-Za-z0-9]{4}){1,6}(?:[ -]?(?=[A-Za-z]{0,2}\d)[A-Za-z0-9]{1,3})?\b/g,
    hint: hasDigit,
    numeric: true,
    priority: 45,
    portable: portableHint(NUMERIC),
    portableHold: DIGIT_HOLD,
    validate: (value) => new Set(value.replace(/[A-Za-z0-9]/g, "")).size <= 1 && ibanValid(compact(value)),
    normalize: compact,
  },
  {
    name: "credit_card",
    group: null,
    label: "CREDIT_CARD",
    pattern: /(?<![\w-])\d(?:[ -]?\d){11,18}(?![\w-])/g,
    hint: hasDigit,
    numeric: true,
    priority: 40,
    portable: portableHint(NUMERIC),
    portableHold: DIGIT_HOLD,
    validate: (value, text, start) => {
      const separators = new Set(value.replace(/\d/g, ""));
      if (separators.size > 1) return false;
      const digits = digitsOnly(value);
      if (separators.size === 0 && negativeContext(text, start)) return false;
      return cardValid(digits);
    },
    normalize: digitsOnly,
  },
  {
    name: "ssn",
    group: null,
    label: "SSN",
    // 123-45-6789 alone; 123 45 6789, 123.45.6789 and 123456789 only after SSN words.
    pattern: /(?<![\w.-])(\d{3})([- .]?)(\d{2})\2(\d{4})(?![\w-]|\.\d)/g,
    hint: hasDigit,
    numeric: true,
    priority: 35,
    portable: portableHint(NUMERIC),
    portableHold: DIGIT_HOLD,
    validate: (value, text, start) => {
      const m = /^(\d{3})([- .]?)(\d{2})[- .]?(\d{4})$/.exec(value);
      if (m === null || !ssnValid(m[1] as string, m[3] as string, m[4] as string)) return false;
      if (ssnContext(text, start)) return true;
      return m[2] === "-" && !negativeContext(text, start);
    },
    normalize: digitsOnly,
  },
  {
    name: "ipv6",
    group: "ip",
    label: "IPV6",
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{1,4}|(?=:))(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.]+)?(?![\w:]|\.\d)/g,
    hint: (t) => t.includes(":"),
    numeric: false,
    priority: 30,
    // Its first two colons, with at most four hex digits between.
    portable: portableHint(":[0-9A-Fa-f]{0,4}:"),
    validate: ipv6Valid,
    normalize: (value) => value.toLowerCase(),
  },
  {
    name: "ipv4",
    group: "ip",
    label: "IPV4",
    pattern: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g,
    hint: (t) => t.includes("."),
    numeric: true,
    priority: 25,
    // From the first dot: .N.N.N
    portable: portableHint("\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]"),
    validate: (value, text, start) => ipv4Valid(value) && !negativeContext(text, start),
  },
  {
    name: "phone",
    group: null,
    label: "PHONE",
    pattern: /(?<![\w+.-])(?:\+|00)?\(?\d{1,4}\)?(?:[ .-]?\(?\d{1,5}\)?){1,6}(?![\w-]|\.\d)/g,
    hint: hasDigit,
    numeric: true,
    priority: 20,
    portable: portableHint(NUMERIC),
    portableHold: DIGIT_HOLD,
    validate: (value, text, start) => {
      const context = phoneContext(text, start);
      if (!context && negativeContext(text, start)) return false;
      return phoneValid(value, context);
    },
    normalize: (value) => (value.trim().startsWith("+") || value.trim().startsWith("00") ? "+" : "") + digitsOnly(value.trim().replace(/^00/, "")),
  },
];

/** Built-in detector names and the groups they belong to, for config validation. */
export const DETECTOR_NAMES: readonly string[] = BUILTIN_DETECTORS.map((d) => d.name);
export const DETECTOR_GROUPS: readonly string[] = ["secret", "ip"];
