// Makes a request or response body fit to show on a dashboard: every string (at any depth) goes
// through the event scrubber (issued tokens, credentials, PII → [redacted:KIND:HASH]) and then
// through the safety policy's detectors (IBANs, IPs, private keys, … → [redacted:NAME:HASH]),
// whatever the configured safety actions were; and the whole is capped in size.
import type { Scrubber } from "../events/scrub.js";
import { BUILTIN_DETECTORS } from "../policy/pii/detectors.js";
import { scanText } from "../policy/pii/scan.js";

/** The most of one body a detail view keeps (its JSON text, in bytes). */
export const MAX_DETAIL_BYTES = 64 * 1024;

/** Marks a body or text that was cut to fit. */
export const TRUNCATED_MARK = "…[truncated by iron]";

/** One string, with nothing secret or personal left readable. */
export function scrubForDisplay(text: string, scrubber: Scrubber): string {
  const scrubbed = scrubber.text(text);
  const matches = scanText(scrubbed, BUILTIN_DETECTORS);
  if (matches.length === 0) return scrubbed;
  // The scrubber's own marks are left alone (their hashes are hex, which a detector might take for a number).
  const marks = [...scrubbed.matchAll(/\[redacted:[a-z_]+:[0-9a-f]+\]/g)].map((m) => [m.index, m.index + m[0].length] as const);
  let out = "";
  let at = 0;
  for (const match of matches) {
    if (marks.some(([start, end]) => match.start < end && start < match.end)) continue;
    out += `${scrubbed.slice(at, match.start)}[redacted:${match.detector.name}:${scrubber.hash(match.value)}]`;
    at = match.end;
  }
  return out + scrubbed.slice(at);
}

/** A deep copy of a JSON value with every string (keys too) scrubbed for display. */
export function scrubValueForDisplay(value: unknown, scrubber: Scrubber, depth = 0): unknown {
  if (typeof value === "string") return scrubForDisplay(value, scrubber);
  if (depth > 64) return "[too deep]";
  if (Array.isArray(value)) return value.map((item) => scrubValueForDisplay(item, scrubber, depth + 1));
  if (value !== null && typeof value === "object") {
    if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[scrubForDisplay(k, scrubber)] = scrubValueForDisplay(v, scrubber, depth + 1);
    return out;
  }
  return value ?? null;
}

/** The value itself when its JSON fits the cap, else `{truncated, bytes, json}` holding the start of its JSON text. */
export function capValue(value: unknown): unknown {
  const json = JSON.stringify(value) ?? "null";
  const bytes = Buffer.byteLength(json);
  if (bytes <= MAX_DETAIL_BYTES) return value;
  return { truncated: true, bytes, json: capText(json) };
}

/** The text itself when it fits the cap, else its start followed by TRUNCATED_MARK. */
export function capText(text: string): string {
  if (Buffer.byteLength(text) <= MAX_DETAIL_BYTES) return text;
  // Cut on a character boundary: the decoder drops a partial trailing sequence.
  const cut = Buffer.from(text).subarray(0, MAX_DETAIL_BYTES - Buffer.byteLength(TRUNCATED_MARK));
  return new TextDecoder("utf-8", { fatal: false }).decode(cut).replace(/\uFFFD$/, "") + TRUNCATED_MARK;
}
