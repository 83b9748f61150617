// What the engine answers for a request or a response, with who decided and why.

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
  /** Micro-dollars reserved (request) or charged (response). */
  readonly micros: number;
  readonly steps: readonly PolicyStep[];
  readonly failures: readonly PolicyFailure[];
}
