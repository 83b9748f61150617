// Finds sensitive values in a text: runs each detector whose hint matches, drops candidates
// the guards or validators reject, and resolves overlaps (higher priority, then longer, wins).
import type { Detector } from "./detectors.js";
import { overlapsAny, protectedSpans, type Span } from "./guards.js";

/** One validated value in a text. */
export interface Match {
  readonly start: number;
  readonly end: number;
  readonly value: string;
  readonly detector: Detector;
}

/** Every non-overlapping match in `text`, in text order. */
export function scanText(text: string, detectors: readonly Detector[]): Match[] {
  const candidates: Match[] = [];
  let spans: Span[] | null = null;
  for (const detector of detectors) {
    if (!detector.hint(text)) continue;
    const pattern = detector.pattern;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (m[0] === "") {
        pattern.lastIndex += 1;
        continue;
      }
      const value = detector.valueGroup === undefined ? m[0] : m[detector.valueGroup];
      if (value === undefined || value === "") continue;
      const start = detector.valueGroup === undefined ? m.index : m.index + m[0].lastIndexOf(value);
      const end = start + value.length;
      // Validators are pure and cheap next to the protected spans (eight patterns over the whole
      // text), so those are found only once a numeric candidate has passed its validator.
      if (detector.validate !== undefined && !detector.validate(value, text, start)) continue;
      if (detector.numeric) {
        spans ??= protectedSpans(text);
        if (overlapsAny(spans, start, end)) continue;
      }
      candidates.push({ start, end, value, detector });
    }
  }
  if (candidates.length <= 1) return candidates;
  candidates.sort((a, b) => b.detector.priority - a.detector.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Match[] = [];
  for (const c of candidates) if (!kept.some((k) => k.start < c.end && c.start < k.end)) kept.push(c);
  return kept.sort((a, b) => a.start - b.start);
}

// Conversations resend every earlier turn: long texts are scanned once.
const CACHE_MIN_CHARS = 64;
const CACHE_MAX = 2048;

/** A scan of `detectors` that remembers the matches of recent long texts (matches depend on the text only). */
export function cachedScanner(detectors: readonly Detector[]): (text: string) => readonly Match[] {
  const cache = new Map<string, readonly Match[]>();
  // A short text is scanned again only when it is not the one just scanned: a response's output is
  // also its body's message text, and both are scanned.
  let lastText: string | null = null;
  let lastMatches: readonly Match[] = [];
  return (text) => {
    if (text.length < CACHE_MIN_CHARS) {
      if (text !== lastText) {
        lastMatches = Object.freeze(scanText(text, detectors));
        lastText = text;
      }
      return lastMatches;
    }
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const matches = Object.freeze(scanText(text, detectors));
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(text, matches);
    return matches;
  };
}
