// The vocabulary of policies: a call, its result, decisions, and the Policy interface itself.

/** Normalised token usage of one call. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheCreationInputTokens: number;
  readonly reasoningTokens: number;
}

/** One LLM call as policies see it: read-only; a policy that wants a change returns `modify`. */
export interface LlmCall {
  /** Call id, unique per call (chosen by the shim). */
  readonly id: string;
  readonly agentId: string;
  /** `openai`, `anthropic` or the name of a configured provider. */
  readonly provider: string;
  /** `chat.completions`, `responses`, `completions`, `embeddings` or `messages`. */
  readonly endpoint: string;
  readonly model: string | null;
  readonly method: string;
  readonly url: string;
  /** Request headers with every secret removed by the shim. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON request body. */
  readonly body: unknown;
  readonly stream: boolean;
  readonly estimatedTokens: { readonly input: number; readonly output: number | null };
  /** Which client library the shim intercepted (`httpx`, `urllib`, ...). */
  readonly library: string;
  /** Attribution set with `iron_shim.context(...)` in the agent. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Unix milliseconds when the supervisor received the request. */
  readonly receivedAt: number;
  /** The grant the shim admitted it under (SPEC 3.4a): it went out already; its hold is carved out of the grant's pool. */
  readonly admitted?: string;
}

/** What came back for a call (or did not), as the shim reports it. */
export interface LlmResult {
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  readonly usage: Usage | null;
  /** The assistant's text (reassembled for streams). */
  readonly output: string;
  /** The parsed JSON body of a non-streamed response. */
  readonly body: unknown;
  readonly latencyMs: number;
  readonly stream: boolean;
  /** False when a stream was closed early or broke. */
  readonly complete: boolean;
  readonly error: string | null;
  readonly requestId: string | null;
  /** The model that answered, from the response. */
  readonly model: string | null;
  /** Seconds the provider asked to wait (`retry-after-ms` / `retry-after`), when it said so. */
  readonly retryAfter?: number | null;
}

/** A budget hold taken before a call goes out (internal to the cost policy and the engine). */
export interface Reservation {
  readonly scopes: readonly string[];
  readonly micros: number;
  /** Limits (micro-dollars, null = unlimited) of scopes the ledger may not know yet: periods, runs, attributes. */
  readonly limits?: Readonly<Record<string, number | null>>;
}

/** One value a safety detector matched: never the value itself, only its SHA-256. */
export interface Finding {
  /** Detector name: `email`, `phone`, `credit_card`, `openai_key`, or a custom detector's name. */
  readonly detector: string;
  /** `input` (request) or `output` (response or stream). */
  readonly direction: "input" | "output";
  /** What was done: `redact` (replaced by the placeholder), `block` or `allow` (seen and let through). */
  readonly action: "allow" | "redact" | "block";
  /** The typed placeholder, such as `[EMAIL_1]`; the same value gets the same one within a call. */
  readonly placeholder: string;
  /** Hex SHA-256 of the matched value (salted when `safety.hash_salt` is set). */
  readonly sha256: string;
}

/** What every decision may carry besides its action: an audit trail and engine instructions. */
interface DecisionExtras {
  /** What a safety policy found (hashes only). */
  readonly findings?: readonly Finding[];
}

/** Let the call (or its response) through unchanged. */
export interface Allow extends DecisionExtras {
  readonly action: "allow";
  readonly reason?: string;
  /** Cost policy only: worst-case cost to reserve atomically once every policy has allowed. */
  readonly reserve?: Reservation;
  /** Cost policy only: the real cost to settle against the reservation. */
  readonly charge?: number;
  /** Rate limits: the engine waits this long before it answers (the call keeps its slot). */
  readonly delayMs?: number;
  /** Reliability: the longest the call may take, in milliseconds (sent to the shim as `timeout_ms`). */
  readonly timeoutMs?: number;
}

/** Refuse the call (or its response); the agent sees a provider-shaped error with `status`. */
export interface Deny extends DecisionExtras {
  readonly action: "deny";
  /** An `IRON_ERR_*` code; custom policies default to `IRON_ERR_POLICY`. */
  readonly code: string;
  readonly reason: string;
  /** HTTP status the agent sees: 402 budget, 403 safety/policy, 429 rate limit, 503 breaker. */
  readonly status?: number;
  /** Seconds the agent should wait before retrying (sent as `retry-after`). */
  readonly retryAfter?: number;
}

/** Replace the request body (and optionally its URL) before it leaves the agent's process. */
export interface Modify extends DecisionExtras {
  readonly action: "modify";
  readonly body: unknown;
  /** A new URL, e.g. a fallback OpenAI-compatible base URL; the original when omitted. */
  readonly url?: string;
  /** A different provider name for the rerouted call (breakers and rate limits key on it). */
  readonly provider?: string;
  readonly reason?: string;
  /** Cost policy only: as on Allow. */
  readonly reserve?: Reservation;
  readonly delayMs?: number;
  readonly timeoutMs?: number;
}

/** Replace the response body the agent receives. */
export interface Redact extends DecisionExtras {
  readonly action: "redact";
  readonly body: unknown;
  /** Replacement assistant text, when the policy rewrote the output text. */
  readonly output?: string;
  readonly reason?: string;
}

export type RequestDecision = Allow | Deny | Modify;
export type ResponseDecision = Allow | Deny | Redact;

/** Read-only view of budgets that policies may consult. */
export interface BudgetView {
  /** Micro-dollars still available in a scope (limit − spent − reserved), or null when unlimited. */
  remaining(scope: string): number | null;
  /** Micro-dollars spent in a scope. */
  spent(scope: string): number;
  /** The limit of a scope in micro-dollars, or null when unlimited. */
  limit(scope: string): number | null;
}

/**
 * A pattern in the subset JavaScript and Python `re` read alike: literals, character classes, `\d`,
 * `{m,n}`, `(?:…)`, alternation, `^`; no lookaround, backreferences, named groups, inline flags, `\b`,
 * `\s`, `.` or `$`, and negated classes only without ignoreCase (Python's Unicode classes are wider).
 */
export interface ResponseHint {
  readonly source: string;
  readonly ignoreCase: boolean;
}

/**
 * What a stream filter can act on, for the shim (protocol/SPEC.md 3.6a `chunk_hints`): every text in
 * which it could redact or deny a value matches one of `hints`; a read whose text may begin such a value
 * that goes on past a space or line break at its end matches one of `holds`.
 */
export interface StreamHints {
  readonly hints: readonly ResponseHint[];
  readonly holds: readonly ResponseHint[];
}

/** Everything a policy may know besides the call: no I/O, no mutation. */
export interface PolicyContext {
  /** Unix milliseconds, from the engine's clock (simulated in tests). */
  readonly now: number;
  readonly budgets: BudgetView;
}

type MaybePromise<T> = T | Promise<T>;

/** What a stream filter answers for one text delta: the text the agent receives now. */
export interface StreamVerdict {
  readonly action: "allow" | "redact" | "deny";
  /** Text to emit in place of the delta; may hold text back for a later delta. */
  readonly text: string;
  readonly code?: string;
  readonly reason?: string;
  readonly findings?: readonly Finding[];
}

/**
 * Watches one streamed response's text as it arrives (synchronously: it sits on the
 * agent's read path). `push` takes each delta; `end` flushes whatever was held back.
 */
export interface StreamFilter {
  push(text: string): StreamVerdict;
  end(): StreamVerdict;
  /**
   * A read the shim released without asking (its policy's `streamHints` matched none of it): the agent got
   * the held text and these deltas up to their last space, tab or line break (all of it with `done`).
   * The filter moves on as if it had released the same; a verdict per delta (and one for the end), whose
   * action is not `allow` when the filter would have acted after all. Absent: the shim is never told to.
   */
  release?(texts: readonly string[], done: boolean): StreamVerdict[];
}

/**
 * A policy: a pure function of (call, context) → decision, run in the engine's fixed order.
 * Returning nothing means allow. A policy that throws or exceeds `timeoutMs` denies the
 * call with IRON_ERR_POLICY_ERROR, unless `failOpen` is set.
 */
export interface Policy {
  readonly name: string;
  /** Time slice for an asynchronous answer, in milliseconds (default 100). */
  readonly timeoutMs?: number;
  /** Allow instead of deny when this policy throws or times out. */
  readonly failOpen?: boolean;
  onRequest?(call: LlmCall, ctx: PolicyContext): MaybePromise<RequestDecision | undefined | void>;
  /**
   * Prices again a call a later policy changed (a reroute to another model), so the hold is for
   * what goes out; only for a policy whose onRequest reserved. onRequest itself runs once a call.
   */
  reprice?(call: LlmCall, ctx: PolicyContext): MaybePromise<RequestDecision | undefined | void>;
  onResponse?(call: LlmCall, result: LlmResult, ctx: PolicyContext): MaybePromise<ResponseDecision | undefined | void>;
  /**
   * False when this call's onResponse only settles or records (never redacts or denies): if no policy
   * can act on a response, the shim reports it without waiting for the decision. Absent: it may act.
   */
  actsOnResponse?(call: LlmCall): boolean;
  /**
   * When this call's onResponse may act: patterns of which at least one matches some text of every
   * response it could redact or deny (protocol/SPEC.md 3.5 `response_hints`), so the shim releases a
   * response none matches without waiting. null or absent: it cannot say (the shim always waits).
   */
  responseHints?(call: LlmCall): readonly ResponseHint[] | null;
  /**
   * For a streamed call whose stream filter has `release`: what the filter can act on (StreamHints), so
   * the shim releases a read none of it matches without waiting. null or absent: the shim always asks.
   */
  streamHints?(call: LlmCall): StreamHints | null;
  /** For a streamed call, a filter over its output text as it arrives (e.g. PII redaction). */
  onStreamOpen?(call: LlmCall, ctx: PolicyContext): StreamFilter | undefined;
  /**
   * What this policy lets the agent's shim admit on its own for calls like this one (protocol/SPEC.md
   * 3.4a): the part of the grant's terms it owns, {} when it never acts on such a call, null when it
   * may (a rate limit, a breaker that is not closed). Absent (every custom policy): no grant.
   */
  admission?(call: LlmCall, ctx: PolicyContext): AdmissionPart | null;
}

/** One policy's part of a grant's terms (SPEC 3.4a); the engine joins them. */
export interface AdmissionPart {
  /** Patterns of which one matches some text of every request the policy would change or deny. */
  readonly requestHints?: readonly ResponseHint[];
  /** How the shim bounds a call's cost, and the scopes its hold is in. */
  readonly budget?: AdmissionBudget;
}

/** The budget's terms: the bound the shim computes is never below the hold the budget policy takes. */
export interface AdmissionBudget {
  readonly scopes: readonly string[];
  readonly limits?: Readonly<Record<string, number | null>>;
  /** Input tokens per byte of the request body, at most. */
  readonly inFactor: number;
  /** Micro-dollars per input and output token, the dearest rate that may apply. */
  readonly inMicros: number;
  readonly outMicros: number;
  /** Output tokens assumed when the request sets no cap; null: such a request is asked (its cap is added). */
  readonly outDefault: number | null;
}
