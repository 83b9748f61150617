// The wire messages of protocol/SPEC.md section 3, as TypeScript types (snake_case, as on the wire).

/** Fields every message carries. */
export interface Envelope<T extends string> {
  readonly v: number;
  readonly type: T;
  readonly id: number;
}

/** Normalised token usage, as the shim reports it. */
export interface WireUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cached_input_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly reasoning_tokens: number;
}

/** Opens a connection; carries no token: the client's nonce starts the challenge–response (SPEC 3.1). */
export interface HelloMessage extends Envelope<"hello"> {
  readonly agent: string;
  /** The client's nonce, AUTH_NONCE_BYTES random bytes. */
  readonly nonce: Uint8Array;
  readonly pid: number;
  readonly python: string;
  readonly shim: string;
  readonly host: string;
  readonly executable: string;
  readonly parent_pid: number | null;
  /** Wire features the shim takes beyond this section's messages (SPEC 3.1): today `grant`. Optional. */
  readonly features?: readonly string[];
}

/** The shim's answer to a `challenge`: HMAC(token, "iron-cli" ‖ nc ‖ ns ‖ context) (SPEC 3.1a). */
export interface ProofMessage extends Envelope<"proof"> {
  readonly proof: Uint8Array;
}

export interface LlmRequestMessage extends Envelope<"llm.request"> {
  readonly call: string;
  readonly provider: string;
  readonly endpoint: string;
  readonly model: string | null;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly stream: boolean;
  readonly est_tokens: { readonly input: number; readonly output: number | null };
  readonly library: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** The grant the shim admitted this call under (SPEC 3.4a): sent without waiting, answered by no decision. */
  readonly admitted?: string;
}

export interface LlmResponseMessage extends Envelope<"llm.response"> {
  readonly call: string;
  readonly status: number;
  readonly usage: WireUsage | null;
  readonly output: string;
  readonly body: unknown;
  readonly latency_ms: number;
  readonly stream: boolean;
  readonly complete: boolean;
  readonly error: string | null;
  readonly request_id: string | null;
  readonly model: string | null;
  /** Seconds the provider asked to wait (retry-after-ms / retry-after); optional. */
  readonly retry_after?: number | null;
  /** The body's finish reasons, sent instead of the body when no policy reads it (response_decision false); optional. */
  readonly finish_reasons?: readonly string[];
  /** False when the shim waits for no answer (a fire-and-forget report): the supervisor sends none (SPEC 3.6). Absent: true. */
  readonly reply?: boolean;
}

export interface LlmChunkMessage extends Envelope<"llm.chunk"> {
  readonly call: string;
  readonly index: number;
  readonly text: string;
  readonly done: boolean;
  /** Every delta the shim read since its last chunk, in order (sent only after a request decision with `chunk_batch`). */
  readonly texts?: readonly string[];
  /** The shim gave the agent this read's text without asking (chunk_hints matched none of it): no decision is sent (SPEC 3.6a). */
  readonly released?: true;
}

export interface HeartbeatMessage extends Envelope<"heartbeat"> {
  readonly ts: number;
  readonly inflight: number;
}

export interface ByeMessage extends Envelope<"bye"> {
  readonly reason: string;
}

/** Everything a shim may send. */
export type InboundMessage = HelloMessage | ProofMessage | LlmRequestMessage | LlmResponseMessage | LlmChunkMessage | HeartbeatMessage | ByeMessage;

export interface ProviderSetting {
  readonly name: string;
  readonly kind: "openai" | "anthropic";
  readonly base_url: string;
}

export interface ShimSettings {
  readonly timeout_ms: number;
  readonly fail_open: boolean;
  readonly on_deny: "response" | "raise";
  readonly heartbeat_ms: number;
  readonly providers: readonly ProviderSetting[];
  /** Welcome only, sent when true: an agent iron spawned may `iron_shim.uninstall()` (SPEC §3.1). */
  readonly allow_uninstall?: boolean;
}

/** The tightest budget an agent's calls count against, in micro-dollars (`welcome` and decisions; what the shim's status() shows). */
export interface WireBudget {
  readonly scope: string;
  readonly limit: number;
  readonly spent: number;
  readonly reserved: number;
  /** limit − spent − reserved, never below 0. */
  readonly left: number;
}

export interface WelcomeMessage extends Envelope<"welcome"> {
  readonly agent: string;
  readonly session: string;
  readonly settings: ShimSettings;
  /** Optional: the agent's tightest budget; nil when none of its budgets has a limit. */
  readonly budget?: WireBudget | null;
  /** The wire features this supervisor takes (SPEC 3.2): a shim uses none that is not listed. */
  readonly features?: readonly string[];
}

/** A response hint (SPEC 3.5): a pattern source in the JavaScript / Python `re` common subset, and its case flag. */
export interface WireHint {
  readonly re: string;
  readonly i: boolean;
}

/** A chunk hint (SPEC 3.6a): a response hint, or with `hold` one that only matters while the stream goes on. */
export interface WireChunkHint extends WireHint {
  readonly hold?: true;
}

/** The supervisor's answer to a hello: its nonce and its proofs, one per token it may hold for the hello (SPEC 3.1a). */
export interface ChallengeMessage extends Envelope<"challenge"> {
  readonly nonce: Uint8Array;
  readonly proofs: readonly Uint8Array[];
}

export interface RejectMessage extends Envelope<"reject"> {
  readonly code: string;
  readonly reason: string;
}

export type DecisionAction = "allow" | "deny" | "modify" | "redact";

export interface DecisionMessage extends Envelope<"decision"> {
  readonly call: string;
  readonly action: DecisionAction;
  readonly policy: string | null;
  readonly code: string | null;
  readonly reason: string | null;
  readonly status: number | null;
  readonly retry_after: number | null;
  readonly body: unknown;
  /** modify only: the new request URL. */
  readonly url?: string | null;
  /** request decisions: send `llm.chunk` for this call's streamed text. */
  readonly stream_chunks?: boolean;
  /** chunk decisions: the text the agent receives in place of the delta (of a batch: what was still held at `done`). */
  readonly text?: string;
  /** batched chunk decisions: the text the agent receives per delta sent (fewer after a deny). */
  readonly texts?: readonly string[];
  /** request decisions: this supervisor takes `texts` in `llm.chunk` (every delta read at once). */
  readonly chunk_batch?: boolean;
  /** request decisions: false when no policy can act on the response (the shim reports it without waiting). */
  readonly response_decision?: boolean;
  /** request decisions that await the response: a read response none of these matches needs no decision (SPEC 3.5). */
  readonly response_hints?: readonly WireHint[];
  /** request decisions with chunk_batch: a read none of these matches is released by the shim without asking (SPEC 3.6a). */
  readonly chunk_hints?: readonly WireChunkHint[];
  /** request decisions: the call's deadline in milliseconds (reliability.timeout). */
  readonly timeout_ms?: number;
  /** request and response decisions: the agent's tightest budget after this decision (optional). */
  readonly budget?: WireBudget | null;
  /** request decisions: the shim may admit like calls itself for a while (SPEC 3.4a). */
  readonly grant?: WireGrant;
}

/** What a grant lets the shim admit on its own (SPEC 3.4a). */
export interface WireGrant {
  readonly id: string;
  readonly ttl_ms: number;
  readonly calls: number;
  readonly micros: number;
  readonly provider: string;
  readonly endpoint: string;
  readonly model: string | null;
  readonly url: string;
  readonly stream: boolean;
  readonly attrs: Readonly<Record<string, string>>;
  readonly in_factor: number;
  readonly in_micros: number;
  readonly out_micros: number;
  readonly out_default: number | null;
  readonly request_hints: readonly WireHint[];
}

/** The supervisor ends a grant before its time (SPEC 3.4a); `id` 0, no reply. */
export interface GrantEndMessage extends Envelope<"grant.end"> {
  readonly grant: string;
  readonly reason: string;
}

export interface ErrorMessage extends Envelope<"error"> {
  readonly code: string;
  readonly reason: string;
}

/** Everything the supervisor sends. */
export type OutboundMessage = ChallengeMessage | WelcomeMessage | RejectMessage | DecisionMessage | ErrorMessage | GrantEndMessage;
