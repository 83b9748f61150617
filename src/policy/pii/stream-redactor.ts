// Output redaction for streams: a StreamFilter that holds back just enough text that a
// value split across deltas ("jo" + "hn@exa" + "mple.com") is still caught whole.
//
// What is held: the trailing word (emails, keys and tokens have no spaces), the word where
// the last 64 characters first show a digit while the number may still go on (numbers
// written in groups: cards, IBANs, phones), and an unfinished PEM block. More than 8 KiB held is released (redacted as far
// as it can be) so a stream can never stall.
import type { BatchStreamFilter } from "../stream-filters.js";
import type { Finding, StreamVerdict } from "../types.js";
import type { Placeholders } from "./placeholders.js";
import { describeFindings, redactText, type DirectionRules } from "./redact-text.js";
import { scanText, type Match } from "./scan.js";

/** Characters of already-emitted text kept as context for the guards ("phone: " before a number). */
const CONTEXT = 48;
/** How far back a number written in groups may start. */
export const TAIL = 64;
/** The most text held back before it is released anyway. */
export const MAX_HOLD = 8192;

/** Creates the filter for one streamed call; `wide` holds the whole tail (custom multi-word patterns). */
export function createStreamRedactor(rules: DirectionRules, placeholders: Placeholders, wide: boolean): BatchStreamFilter {
  let held = "";
  let context = "";
  let blocked = false;

  const emit = (cut: number): StreamVerdict => {
    const ready = held.slice(0, cut);
    held = held.slice(cut);
    const outcome = redactText(context + ready, rules, placeholders, context.length);
    context = (context + ready).slice(-CONTEXT);
    return verdictOf(outcome.text, outcome.findings, outcome.blocked);
  };
  const verdictOf = (text: string, findings: readonly Finding[], block: boolean): StreamVerdict => {
    if (block) {
      blocked = true;
      return {
        action: "deny",
        text: "",
        code: "IRON_ERR_PII",
        reason: `the response stream contains ${describeFindings(
          findings.filter((f) => f.action === "block"),
          "blocked",
        )}`,
        findings,
      };
    }
    const redacted = findings.filter((f) => f.action === "redact");
    if (redacted.length > 0) return { action: "redact", text, reason: describeFindings(redacted, "redacted"), findings };
    return findings.length > 0 ? { action: "allow", text, findings } : { action: "allow", text };
  };

  const scan = (text: string): readonly Match[] => (rules.scan === undefined ? scanText(text, rules.detectors) : rules.scan(text));
  const push = (delta: string): StreamVerdict => {
    if (blocked) return { action: "deny", text: "", code: "IRON_ERR_PII", reason: "the response stream was blocked" };
    held += delta;
    const cut = held.length > MAX_HOLD ? held.length - TAIL : safeCut(context, held, rules, wide);
    return cut <= 0 ? { action: "allow", text: "" } : emit(cut);
  };

  return {
    push,
    // The deltas of one read at once: the cut is found once for all of them (as one push of their text
    // would find it), and when what goes out holds no value, each delta carries its own text as far as it
    // goes out. A value to redact or block in it: delta by delta, as push() does.
    pushMany(deltas) {
      if (blocked || deltas.length < 2) return deltas.map(push);
      const joined = held + deltas.join("");
      const cut = joined.length > MAX_HOLD ? joined.length - TAIL : safeCut(context, joined, rules, wide);
      const ready = joined.slice(0, Math.max(0, cut));
      if (ready !== "" && scan(context + ready).some((m) => m.start >= context.length)) return deltas.map(push);
      const verdicts = eachOwnText(ready, held.length, deltas);
      held = joined.slice(ready.length);
      context = (context + ready).slice(-CONTEXT);
      return verdicts;
    },
    // A read the shim released without asking (SPEC 3.6a `released`): the agent got the held text and the
    // deltas up to their last space, tab or line break (all with the end), each delta its own text as far
    // as it went. The filter moves on as if it had released the same; a value in what went out (a hint
    // that missed it: a bug) makes the last verdict a redact or deny, so the governor can tell.
    release(deltas, done) {
      if (blocked) return [{ action: "deny", text: "", code: "IRON_ERR_PII", reason: "the response stream was blocked" }];
      const joined = held + deltas.join("");
      const ready = joined.slice(0, done ? joined.length : releasedUpTo(joined));
      const verdicts = eachOwnText(ready, held.length, deltas);
      // With no delta, what goes out is the held text: it goes as the remainder.
      if (done || verdicts.length === 0) verdicts.push({ action: "allow", text: deltas.length === 0 ? ready : "" });
      const missed = ready === "" ? null : redactText(context + ready, rules, placeholders, context.length);
      held = joined.slice(ready.length);
      context = (context + ready).slice(-CONTEXT);
      if (missed?.findings.some((f) => f.action !== "allow")) {
        const last = verdicts.length - 1;
        verdicts[last] = { ...verdictOf(missed.text, missed.findings, missed.blocked), text: verdicts[last]?.text ?? "" };
        blocked = false;
      }
      return verdicts;
    },
    end() {
      if (blocked) return { action: "deny", text: "", code: "IRON_ERR_PII", reason: "the response stream was blocked" };
      return held === "" ? { action: "allow", text: "" } : emit(held.length);
    },
  };
}

/** Where a read the shim released without asking stops: after its last space, tab or line break (SPEC 3.6a). */
export function releasedUpTo(text: string): number {
  return Math.max(text.lastIndexOf(" "), text.lastIndexOf("\t"), text.lastIndexOf("\n"), text.lastIndexOf("\r")) + 1;
}

// Index of the last digit, "+" or "(" (where a number written in groups may be going on).
function lastNumberChar(text: string): number {
  for (let i = text.length - 1; i >= 0; i -= 1) if (/[\d+(]/.test(text[i] as string)) return i;
  return -1;
}

/**
 * Whether the text after a number's last digit can still be part of it: numbers in groups (cards,
 * phones, IBANs, SSNs, IPs) go on only through single separators (space . - : ( ) +, at most two in
 * a row); letters only in short groups, and only where a detector takes them: an IBAN's groups (when
 * an IBAN may have begun, `iban`) or an IPv6 group's hex digits after a colon. A letter anywhere else,
 * a longer word, a comma, a line break ends the number, so what was held for it goes out with the
 * delta that brought the end.
 */
export function numberMayGoOn(tail: string, iban = true): boolean {
  let letters = 0;
  let separators = 0;
  let separator = "";
  for (const ch of tail) {
    if (/[A-Za-z]/.test(ch)) {
      if (!iban && !(separator === ":" && /[A-Fa-f]/.test(ch))) return false;
      letters += 1;
      separators = 0;
      if (letters > 4) return false;
    } else if (" .-:()+".includes(ch)) {
      separators += 1;
      separator = ch;
      letters = 0;
      if (separators > 2) return false;
    } else return false;
  }
  return true;
}

/** Where an IBAN may have begun: two letters and two digits at the start of a word. */
const IBAN_START = /(?:^|[^A-Za-z0-9])[A-Za-z]{2}\d{2}/;

/** How much of `held` can be released now without cutting through a value that may continue. */
export function safeCut(context: string, held: string, rules: DirectionRules, wide: boolean): number {
  let cut = held.length;
  const wordStart = (at: number): number => {
    let i = at;
    while (i > 0 && !/\s/.test(held[i - 1] as string)) i -= 1;
    return i;
  };
  cut = Math.min(cut, wordStart(held.length));
  const windowStart = Math.max(0, held.length - TAIL);
  if (wide) cut = Math.min(cut, windowStart);
  else {
    const window = held.slice(windowStart);
    const digit = window.search(/[\d+(]/);
    if (digit >= 0 && numberMayGoOn(window.slice(lastNumberChar(window) + 1), IBAN_START.test(windowStart === 0 ? context + window : window))) cut = Math.min(cut, wordStart(windowStart + digit));
  }
  const begin = held.lastIndexOf("-----BEGIN");
  if (begin >= 0 && !/-----END[^-]*-----/.test(held.slice(begin))) cut = Math.min(cut, begin);
  // Never split a value already found.
  for (const m of scanText(context + held, rules.detectors)) {
    const start = m.start - context.length;
    const end = m.end - context.length;
    if (start < cut && end > cut) cut = Math.max(0, start);
  }
  // Never split a surrogate pair.
  if (cut > 0 && cut < held.length && /[\uD800-\uDBFF]/.test(held[cut - 1] as string)) cut -= 1;
  return cut;
}

/**
 * What goes out of a read (`ready`: a prefix of the held text and the deltas joined) as one allow
 * per delta: each delta its own text as far as `ready` reaches, the first also the held text.
 */
function eachOwnText(ready: string, heldLength: number, deltas: readonly string[]): StreamVerdict[] {
  const verdicts: StreamVerdict[] = [];
  let at = 0;
  let end = heldLength;
  for (const delta of deltas) {
    end += delta.length;
    const upTo = Math.min(ready.length, end);
    verdicts.push({ action: "allow", text: ready.slice(at, upTo) });
    at = upTo;
  }
  return verdicts;
}
