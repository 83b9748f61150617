// What the engine answers for a request or a response, with who decided and why.
import type { Finding, LlmCall, ResponseHint, StreamHints } from "./types.js";

/** One policy's part in a verdict, for the audit trail and the stream. */
export interface PolicyStep {
  readonly policy: string;
  readonly action: string;
  readonly reason: string | null;
  readonly ms: number;
}

/** A policy that threw or ran out of time while deciding. */
export interface PolicyFailure {
  readonly policy: string;
  readonly error: string;
  readonly timedOut: boolean;
  /** True when the policy is fail-open and the call went on. */
  readonly ignored: boolean;
}

/** A budget scope whose spend crossed a warning threshold with this call's charge. */
export interface BudgetWarning {
  readonly scope: string;
  /** The threshold crossed, as a fraction of the limit (0.5, 0.8, 0.9, …). */
  readonly threshold: number;
  readonly spent: number;
  readonly limit: number;
}

/** The budget scope that had no room for a call (the call was denied with IRON_ERR_BUDGET). */
export interface BudgetExhaustion {
  readonly scope: string;
  readonly limit: number;
  readonly spent: number;
}

/** The engine's combined answer. */
export interface Verdict {
  readonly action: "allow" | "deny" | "modify" | "redact";
  /** The policy that decided: the denier, or the last one that changed the body; null when all allowed. */
  readonly policy: string | null;
  readonly code: string | null;
  readonly reason: string | null;
  readonly status: number | null;
  readonly retryAfter: number | null;
  /** The new body of a modify or redact. */
  readonly body: unknown;
  /** The new output text of a redact, when a policy rewrote it. */
  readonly output: string | null;
  /** The new URL of a modify, when a policy rerouted the call. */
  readonly url: string | null;
  /** Request only: the streamed response must be shown to stream filters chunk by chunk. */
  readonly streamChunks: boolean;
  /** Request only: some policy may redact or deny the response, so the shim waits for its decision. */
  readonly responseDecision: boolean;
  /** Request only, with responseDecision: a response none of these matches needs no decision (null: always wait). */
  readonly responseHints: readonly ResponseHint[] | null;
  /** Request only, with streamChunks: a read none of these matches needs no chunk decision (null: always ask). */
  readonly chunkHints: StreamHints | null;
  /** Micro-dollars reserved (request) or charged (response). */
  readonly micros: number;
  readonly steps: readonly PolicyStep[];
  readonly failures: readonly PolicyFailure[];
  /** Request only: the call as it goes out (after every modify); responses are judged against it. */
  readonly call: LlmCall | null;
  /** What safety policies found, as hashes. */
  readonly findings: readonly Finding[];
  /** Response only: warning thresholds this call's charge crossed. */
  readonly warnings: readonly BudgetWarning[];
  /** Request only: the budget scope that had no room, when the budget denied the call. */
  readonly exhausted: BudgetExhaustion | null;
  /** Request only: milliseconds the engine waited (rate limits) before answering. */
  readonly delayMs: number;
  /** Request only: the per-call deadline for the shim, in milliseconds. */
  readonly timeoutMs: number | null;
}

const EMPTY: readonly never[] = Object.freeze([]);

/** A verdict with every optional part empty: the base the pipelines build on. */
export function emptyVerdict(action: Verdict["action"]): Verdict {
  return {
    action,
    policy: null,
    code: null,
    reason: null,
    status: null,
    retryAfter: null,
    body: null,
    output: null,
    url: null,
    streamChunks: false,
    responseDecision: true,
    responseHints: null,
    chunkHints: null,
    micros: 0,
    steps: EMPTY,
    failures: EMPTY,
    call: null,
    findings: EMPTY,
    warnings: EMPTY,
    exhausted: null,
    delayMs: 0,
    timeoutMs: null,
  };
}
