// Applies per-detector actions to the matches in one text: `redact` swaps the value for its
// placeholder, `block` marks the text as refused, `allow` lets it through; all are recorded.
import type { Finding } from "../types.js";
import type { Detector } from "./detectors.js";
import type { Placeholders } from "./placeholders.js";
import { scanText, type Match } from "./scan.js";

/** What a direction does with one detector's matches. */
export type SafetyAction = "allow" | "redact" | "block";

/** The detectors of one direction and what to do with each. */
export interface DirectionRules {
  readonly direction: "input" | "output";
  readonly detectors: readonly Detector[];
  readonly actionOf: (detector: Detector) => SafetyAction;
  /** How texts are scanned (a cached scan when given). */
  readonly scan?: (text: string) => readonly Match[];
}

/** A text after its matches were handled. */
export interface TextOutcome {
  readonly text: string;
  readonly findings: readonly Finding[];
  readonly blocked: boolean;
}

/** Scans `text` and applies the rules; matches that start before `from` (context only) are left alone. */
export function redactText(text: string, rules: DirectionRules, placeholders: Placeholders, from = 0): TextOutcome {
  const matches = rules.scan === undefined ? scanText(text, rules.detectors) : rules.scan(text);
  if (matches.length === 0) return { text: from === 0 ? text : text.slice(from), findings: [], blocked: false };
  const findings: Finding[] = [];
  let out = "";
  let at = from;
  let blocked = false;
  for (const m of matches) {
    if (m.start < from) continue;
    const action = rules.actionOf(m.detector);
    const { placeholder, sha256 } = placeholders.of(m.detector, m.value);
    findings.push({ detector: m.detector.name, direction: rules.direction, action, placeholder, sha256 });
    if (action === "block") blocked = true;
    if (action !== "redact") continue;
    out += text.slice(at, m.start) + placeholder;
    at = m.end;
  }
  return { text: out + text.slice(at), findings, blocked };
}

/** "2 values redacted: email ×1, phone ×1" — a reason that names kinds, never values. */
export function describeFindings(findings: readonly Finding[], verb: string): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.detector, (counts.get(f.detector) ?? 0) + 1);
  const kinds = [...counts].map(([name, n]) => `${name} ×${n}`).join(", ");
  return `${findings.length} value${findings.length === 1 ? "" : "s"} ${verb}: ${kinds}`;
}
