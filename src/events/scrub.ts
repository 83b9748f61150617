// Keeps secrets and personal data out of events (and so out of the store and the stream):
// free text is searched for credentials and PII, and each match becomes a keyed hash, so
// equal values still correlate within one state file without being readable.
import { createHmac, randomBytes } from "node:crypto";

/** A keyed, truncated hash of a sensitive value (hex). */
export type Hasher = (value: string) => string;

/** HMAC-SHA256 under a per-store key, 12 hex digits: enough to correlate, useless to reverse. */
export function createHasher(key: Buffer = randomBytes(32)): Hasher {
  return (value) => createHmac("sha256", key).update(value).digest("hex").slice(0, 12);
}

interface Detector {
  readonly kind: "secret" | "email" | "card" | "phone" | "ssn";
  readonly pattern: RegExp;
  /** Index of the capture group holding the sensitive part (0: the whole match). */
  readonly group?: number;
  /** A second check on the match (e.g. a card number's checksum). */
  readonly accept?: (value: string) => boolean;
}

const DETECTORS: readonly Detector[] = [
  // An agent token (iron_ and 32 base64url characters): matched by shape, so the per-run tokens
  // need no entry each in the exact set, which would otherwise grow with every incarnation.
  { kind: "secret", pattern: /(?<![A-Za-z0-9_-])iron_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/g },
  { kind: "secret", pattern: /\bsk-(?:ant-|proj-|svcacct-)?[A-Za-z0-9_-]{16,}/g },
  { kind: "secret", pattern: /\b(?:Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/g, group: 1 },
  { kind: "secret", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: "secret", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g },
  { kind: "secret", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: "secret", pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { kind: "secret", pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g },
  {
    kind: "secret",
    pattern: /(?<!\[redacted:)\b(?:api[_-]?key|secret|password|passwd|pwd|access[_-]?token|auth[_-]?token|token)["']?\s*[:=]\s*["']?([^\s"',;&]{6,})/gi,
    group: 1,
  },
  { kind: "email", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  { kind: "card", pattern: /\b\d(?:[ -]?\d){12,18}\b/g, accept: luhn },
  { kind: "ssn", pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
  { kind: "phone", pattern: /(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}\b/g },
  { kind: "phone", pattern: /(?<!\w)\(\d{3}\)\s?\d{3}-\d{4}\b/g },
];

/** Strings up to this length are remembered with their scrubbed form. */
const MEMO_MAX_LENGTH = 96;
/** At most this many are remembered (then forgotten all at once): a few hundred KiB at worst. */
const MEMO_MAX_ENTRIES = 2048;

/** Words one of the secret detectors needs (each detector's pattern contains one of them). */
const SECRET_WORDS = /iron_|sk-|Bearer|Basic|AKIA|ASIA|gh|github_pat_|xox|AIza|eyJ|key|secret|passw|pwd|token/i;

/**
 * False when no detector can match: no `@` (emails), fewer than 5 digits (the shortest phone
 * number a detector takes has 5; cards and SSNs more) and none of the secret detectors' words.
 */
function mayHoldDetected(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 64) return true; // @
    if (c >= 48 && c <= 57 && ++digits >= 5) return true;
  }
  return SECRET_WORDS.test(text);
}

/** True when the digits of a candidate card number pass the Luhn checksum. */
function luhn(value: string): boolean {
  const digits = value.replace(/\D/g, "");
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Replaces sensitive values in text and events; knows the exact secrets the supervisor issued. */
export class Scrubber {
  readonly #hash: Hasher;
  readonly #exact = new Set<string>();
  /** Scrubbed forms of short strings already seen (bounded; cleared when a secret is added). */
  readonly #memo = new Map<string, string>();

  constructor(hash: Hasher = createHasher()) {
    this.#hash = hash;
  }

  /** The hasher, so a store can key scope names the same way. */
  get hash(): Hasher {
    return this.#hash;
  }

  /** Registers a secret iron itself handed out for the supervisor's lifetime (the join and stream tokens); agent tokens are matched by shape. */
  addSecret(value: string): void {
    if (value.length < 8) return;
    this.#exact.add(value);
    this.#memo.clear(); // what was scrubbed before may hold the new secret
  }

  /** The text with every detected secret or personal datum replaced by `[redacted:KIND:HASH]`. */
  text(text: string): string {
    // Short strings recur (scope names, models, finish reasons, attribute values): scrubbed once.
    const short = text.length <= MEMO_MAX_LENGTH;
    if (short) {
      const known = this.#memo.get(text);
      if (known !== undefined) return known;
    }
    const out = this.#scrub(text);
    if (short) {
      if (this.#memo.size >= MEMO_MAX_ENTRIES) this.#memo.clear();
      this.#memo.set(text, out);
    }
    return out;
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#exact) if (out.includes(secret)) out = out.split(secret).join(this.#mark("secret", secret));
    if (!mayHoldDetected(out)) return out;
    for (const detector of DETECTORS) {
      out = out.replace(detector.pattern, (match: string, ...groups: unknown[]) => {
        const part = detector.group === undefined ? match : (groups[detector.group - 1] as string | undefined);
        if (part === undefined || part.startsWith("[redacted:")) return match;
        if (detector.accept !== undefined && !detector.accept(part)) return match;
        return match.replace(part, this.#mark(detector.kind, part));
      });
    }
    return out;
  }

  /** A copy of an event payload with every free-text string scrubbed (identifiers kept as they are). */
  event<T extends object>(event: T): T {
    return scrubValue(event, this, 0, null) as T;
  }

  /**
   * `{ seq, ts, ...this.event(input) }`, built in one pass: the payload's entries are scrubbed straight
   * into the stamped event, with no intermediate copy to spread.
   */
  stamped(seq: number, ts: number, input: object): Record<string, unknown> {
    const out: Record<string, unknown> = { seq, ts };
    const source = input as Record<string, unknown>;
    for (const k in source) {
      // A "__proto__" entry never reached the spread copy (the copy's store set its prototype instead).
      if (Object.hasOwn(source, k) && k !== "__proto__") out[k] = scrubValue(source[k], this, 1, k);
    }
    return out;
  }

  #mark(kind: string, value: string): string {
    return `[redacted:${kind}:${this.#hash(value)}]`;
  }
}

/** Keys whose values are identifiers or enumerations iron chose, never free text. */
const KEEP = new Set(["type", "agentId", "callId", "phase", "action", "code", "from", "to", "signal", "provider", "endpoint", "model", "library", "policy", "stream"]);

// Top-level identifiers stay; every other string, at any depth (attrs too), is scrubbed.
function scrubValue(value: unknown, scrubber: Scrubber, depth: number, key: string | null): unknown {
  if (typeof value === "string") return depth === 1 && key !== null && KEEP.has(key) ? value : scrubber.text(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) out[i] = scrubValue(value[i], scrubber, depth + 1, null);
    return out;
  }
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const k in source) if (Object.hasOwn(source, k)) out[k] = scrubValue(source[k], scrubber, depth + 1, k);
  return out;
}
