// The safety policy: finds personal data and secrets in what the agent sends and receives,
// and per direction allows, redacts (typed placeholders, stable within a call) or blocks.
import { deny, modify, redact } from "../decisions.js";
import { mapBodyTexts } from "../pii/body-texts.js";
import type { Detector } from "../pii/detectors.js";
import { Placeholders } from "../pii/placeholders.js";
import { describeFindings, redactText, type DirectionRules, type SafetyAction } from "../pii/redact-text.js";
import { cachedScanner } from "../pii/scan.js";
import { createStreamRedactor } from "../pii/stream-redactor.js";
import type { Finding, LlmCall, Policy, RequestDecision, ResponseDecision, ResponseHint } from "../types.js";

/** What one direction does: a default action and overrides by detector name or group. */
export interface DirectionActions {
  readonly default: SafetyAction;
  readonly overrides: Readonly<Record<string, SafetyAction>>;
}

export interface SafetyPolicyOptions {
  /** Enabled detectors (built-in and custom), in priority order. */
  readonly detectors: readonly Detector[];
  readonly input: DirectionActions;
  readonly output: DirectionActions;
  /** Prefix hashed with every value, so low-entropy values (SSNs) cannot be brute-forced from hashes. */
  readonly hashSalt: string;
  /** The install secret keying every finding's hash (HMAC-SHA-256); null only in tests of the bare policy. */
  readonly hashKey?: Buffer | null;
  /** Exact values that are never flagged (a support address, a documentation IP). */
  readonly allowValues: readonly string[];
}

// Placeholders live from a call's request to its response; calls that never answer are evicted.
const MAX_OPEN_CALLS = 10_000;

/** Creates the built-in safety policy (named "safety"). */
export function safetyPolicy(options: SafetyPolicyOptions): Policy {
  const allowed = new Set(options.allowValues);
  const detectors = allowed.size === 0 ? options.detectors : options.detectors.map((d) => withAllowList(d, allowed));
  const scan = cachedScanner(detectors);
  const rules = (direction: "input" | "output", actions: DirectionActions): DirectionRules => ({
    direction,
    detectors,
    scan,
    actionOf: (d) => actions.overrides[d.name] ?? (d.group === null ? undefined : actions.overrides[d.group]) ?? actions.default,
  });
  const input = rules("input", options.input);
  const output = rules("output", options.output);
  const outputWatched = detectors.some((d) => output.actionOf(d) !== "allow");
  const wide = detectors.some((d) => d.priority === CUSTOM_PRIORITY);
  const watched = detectors.filter((d) => output.actionOf(d) !== "allow");
  const hints = outputHints(watched);
  // A grant's request side (SPEC 3.4a): the portable patterns of every detector that acts on requests.
  const requestHints = outputHints(detectors.filter((d) => input.actionOf(d) !== "allow"));
  const admissionPart = requestHints === null ? null : Object.freeze({ requestHints });
  const chunkHints = hints === null ? null : Object.freeze({ hints, holds: holdHints(watched) });
  const open = new Map<string, Placeholders>();
  const placeholdersOf = (callId: string): Placeholders => {
    let p = open.get(callId);
    if (p === undefined) {
      p = new Placeholders(options.hashSalt, options.hashKey ?? null);
      if (open.size >= MAX_OPEN_CALLS) open.delete(open.keys().next().value as string);
      open.set(callId, p);
    }
    return p;
  };

  return {
    name: "safety",
    admission: () => admissionPart,
    onRequest(call: LlmCall): RequestDecision | undefined {
      const placeholders = placeholdersOf(call.id);
      const findings: Finding[] = [];
      let blocked = false;
      const body = mapBodyTexts(call.body, (text) => {
        const outcome = redactText(text, input, placeholders);
        findings.push(...outcome.findings);
        blocked ||= outcome.blocked;
        return outcome.text;
      });
      return decide(findings, blocked, "request", () => modify(body, { reason: describeFindings(redactedOf(findings), "redacted") }));
    },
    // Streams are filtered chunk by chunk; a read response only when some output detector does not allow.
    actsOnResponse: (call) => outputWatched && !call.stream,
    // A read response none of the watched detectors' hints matches is released at once (its report still comes).
    responseHints: () => hints,
    onResponse(call, result): ResponseDecision | undefined {
      const placeholders = placeholdersOf(call.id);
      open.delete(call.id);
      // A streamed response was filtered chunk by chunk (onStreamOpen); the agent already has it.
      if (result.stream || result.status >= 400) return undefined;
      const findings: Finding[] = [];
      let blocked = false;
      const scan = (text: string, record: boolean): string => {
        const outcome = redactText(text, output, placeholders);
        if (record) findings.push(...outcome.findings);
        blocked ||= outcome.blocked;
        return outcome.text;
      };
      const body = result.body === null ? null : mapBodyTexts(result.body, (text) => scan(text, true));
      const text = scan(result.output, result.body === null);
      const changed = body !== result.body || text !== result.output;
      return decide(findings, blocked, "response", () => (changed ? redact(body, { output: text, reason: describeFindings(redactedOf(findings), "redacted") }) : undefined));
    },
    // Only when some output detector acts: a policy with onStreamOpen makes the shim wait for a decision on
    // every read of every stream (stream_chunks), which is wasted when every output action is allow.
    ...(outputWatched && {
      onStreamOpen: (call: LlmCall) => createStreamRedactor(output, placeholdersOf(call.id), wide),
      // A read none of the watched detectors' hints matches is released by the shim without a chunk decision.
      streamHints: () => chunkHints,
    }),
  };
}

// The hints of the detectors that act on output, each once; null when one has none (a custom pattern).
function outputHints(watched: readonly Detector[]): readonly ResponseHint[] | null {
  const hints: ResponseHint[] = [];
  for (const d of watched) {
    if (d.portable === undefined) return null;
    if (!hints.some((h) => h.source === d.portable?.source && h.ignoreCase === d.portable.ignoreCase)) hints.push(d.portable);
  }
  return Object.freeze(hints);
}

// The hold patterns of the detectors whose values may go on past a space at the end of a read, each once.
function holdHints(watched: readonly Detector[]): readonly ResponseHint[] {
  const holds: ResponseHint[] = [];
  for (const d of watched) {
    const hold = d.portableHold;
    if (hold !== undefined && !holds.some((h) => h.source === hold.source && h.ignoreCase === hold.ignoreCase)) holds.push(hold);
  }
  return Object.freeze(holds);
}

/** Priority of custom detectors from config (below secrets, above every built-in PII kind). */
export const CUSTOM_PRIORITY = 70;

// Deny when something is blocked, the change when something was redacted, else allow with the audit trail.
function decide<T extends RequestDecision | ResponseDecision>(findings: readonly Finding[], blocked: boolean, what: "request" | "response", change: () => T | undefined): T | undefined {
  if (findings.length === 0) return undefined;
  if (blocked) {
    const reason = `the ${what} contains ${describeFindings(
      findings.filter((f) => f.action === "block"),
      "blocked",
    )}`;
    return { ...deny("IRON_ERR_PII", reason, { status: 403 }), findings } as T;
  }
  const changed = redactedOf(findings).length > 0 ? change() : undefined;
  if (changed !== undefined) return { ...changed, findings };
  return { action: "allow", reason: describeFindings(findings, "seen and allowed"), findings } as T;
}

function redactedOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.action === "redact");
}

// A detector that ignores the exact values the config allows.
function withAllowList(detector: Detector, allowed: ReadonlySet<string>): Detector {
  const validate = detector.validate;
  return {
    ...detector,
    validate: (value, text, start) => !allowed.has(value) && (validate === undefined || validate(value, text, start)),
  };
}
