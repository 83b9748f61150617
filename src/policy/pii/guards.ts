// False-positive guards for the numeric detectors: spans that are something else (UUIDs,
// timestamps, dates, versions, hashes) and the words just before a number that say what
// it is ("order #", "invoice", "version" — or "phone:", "SSN").

/** A half-open [start, end) range of a text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

// Things that contain digit runs but are not personal data.
const PROTECTED: readonly RegExp[] = [
  /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, // UUID
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, // ISO 8601 date / timestamp
  /\b\d{8}T\d{6}(?:Z|[+-]\d{4})?\b/g, // compact ISO timestamp
  /\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\b/g, // clock time
  /\b\d{1,2}[/.]\d{1,2}[/.]\d{4}\b/g, // 27/11/2026, 11.27.2026
  /\b[vV]\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.-]+)?\b/g, // v1.2.3, v10.0.19041.1
  /\b\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?\+[0-9A-Za-z.]+\b/g, // semver with build metadata
  /\b[0-9a-f]{32,}\b/g, // hex digests (md5, sha-1, sha-256)
];

/** Spans of the text that numeric detectors must leave alone. */
export function protectedSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const pattern of PROTECTED) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

/** True when [start, end) overlaps any protected span. */
export function overlapsAny(spans: readonly Span[], start: number, end: number): boolean {
  for (const s of spans) if (s.start < end && start < s.end) return true;
  return false;
}

// Words right before a number that make it an identifier of something else.
const NEGATIVE_BEFORE =
  /(?:\b(?:order|invoice|inv|ref|reference|ticket|tracking|sku|serial|part|transaction|txn|confirmation|booking|case|po|build|version|ver|release|rev|isbn|issue|pr|commit)\b\.?\s*(?:number|num|no\.?|id|#)?|\bid|#)\s*[:#=]?\s*$/i;

// Words shortly before a number that say it is a phone number or an SSN.
const PHONE_WORDS = /\b(?:phone|tel|telephone|mobile|cell|cellphone|call|fax|whatsapp|sms|text me|contact|dial|reach me|ring)\b/i;
const SSN_WORDS = /\b(?:ssn|social security|soc\.? sec|taxpayer id|tin|itin)\b/i;

/** The text just before a match (same line), for context checks. */
export function before(text: string, start: number, width = 40): string {
  const window = text.slice(Math.max(0, start - width), start);
  const newline = window.lastIndexOf("\n");
  return newline >= 0 ? window.slice(newline + 1) : window;
}

/** "Order #", "invoice no.", "version" … right before the number: it is an identifier, not PII. */
export function negativeContext(text: string, start: number): boolean {
  return NEGATIVE_BEFORE.test(before(text, start, 32));
}

/** "phone", "call me on", "tel." … shortly before the number. */
export function phoneContext(text: string, start: number): boolean {
  return PHONE_WORDS.test(before(text, start));
}

/** "SSN", "social security number" … shortly before the number. */
export function ssnContext(text: string, start: number): boolean {
  return SSN_WORDS.test(before(text, start));
}
