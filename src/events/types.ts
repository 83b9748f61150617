// The typed event catalogue: everything iron decides or observes, in `seq` order.
// Documented with an example of each in protocol/SPEC.md ("Events").

export interface UsageFields {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheCreationInputTokens: number;
  readonly reasoningTokens: number;
}

/** One value a safety detector matched, as the audit trail keeps it. */
export interface PiiFinding {
  readonly detector: string;
  readonly direction: "input" | "output";
  readonly action: "allow" | "redact" | "block";
  readonly placeholder: string;
  readonly sha256: string;
}

/** Payloads by event type (without the seq/ts envelope). */
export interface EventPayloads {
  "supervisor.started": { readonly version: string; readonly pid: number; readonly endpoint: string };
  "supervisor.stopping": { readonly reason: string };
  "agent.state": {
    readonly agentId: string;
    readonly run: number;
    readonly from: string;
    readonly to: string;
    readonly reason: string | null;
    readonly pid: number | null;
    readonly exitCode: number | null;
    readonly signal: string | null;
    /** The interpreter's version (`3.11.7`) on a spawned agent's `starting` event, when iron could ask it. */
    readonly python?: string;
  };
  "agent.output": { readonly agentId: string; readonly run: number; readonly stream: "stdout" | "stderr"; readonly line: string };
  /** A governed Python sub-process of an agent connected (it inherited the shim) or exited. */
  "agent.subprocess": {
    readonly agentId: string;
    readonly run: number;
    readonly pid: number;
    readonly parentPid: number;
    readonly change: "connected" | "exited";
  };
  /** An agent started elsewhere joined with the join token (or the same one connected again). */
  "agent.joined": {
    readonly agentId: string;
    /** Attachment number: 1 for its first connection, 2 after a reconnect, … */
    readonly run: number;
    readonly session: string;
    /** The name it asked for (its id is made unique from it). */
    readonly requested: string;
    readonly pid: number;
    /** The pid that held this id before (the same one for a reconnect), null on its first join. */
    readonly previousPid: number | null;
    readonly host: string;
    /** Interpreter version, e.g. `3.11.7`. */
    readonly python: string;
    /** Interpreter path (`sys.executable`). */
    readonly executable: string;
    /** Shim version. */
    readonly shim: string;
  };
  /**
   * Hellos were refused (wrong or missing token): who asked, never the token. Stored per source
   * (code, name, host) at most once a minute: the first refusal, then how many followed.
   */
  "agent.rejected": {
    /** The name it asked for. */
    readonly requested: string;
    readonly pid: number;
    readonly host: string;
    readonly code: string;
    readonly reason: string;
    /** How many refusals this event stands for (1 for the first of a source in a minute). */
    readonly count: number;
  };
  /** At start, processes a supervisor that died had left running were terminated. */
  "agent.reaped": {
    readonly agentId: string;
    readonly run: number;
    readonly pid: number;
    readonly pgid: number;
    readonly supervisorPid: number;
    readonly processes: number;
  };
  "llm.request": {
    readonly agentId: string;
    readonly callId: string;
    readonly provider: string;
    readonly endpoint: string;
    readonly model: string | null;
    readonly stream: boolean;
    readonly estimatedInputTokens: number;
    readonly maxOutputTokens: number | null;
    readonly library: string;
    readonly attrs: Readonly<Record<string, string>>;
    /** The provider's host (and port when not the scheme's default), from the request URL. */
    readonly server?: string;
    /** W3C trace context of the agent's own trace: the request's `traceparent` header, else the agent's TRACEPARENT. */
    readonly traceparent?: string;
  };
  "llm.decision": {
    readonly agentId: string;
    readonly callId: string;
    readonly phase: "request" | "response" | "stream";
    readonly action: string;
    readonly policy: string | null;
    readonly code: string | null;
    readonly reason: string | null;
    readonly status: number | null;
    /** Reserved (request) or charged (response) micro-dollars. */
    readonly micros: number;
    /** Engine time for this decision, in milliseconds. */
    readonly ms: number;
    /** What the safety policy found: detector, action, placeholder and SHA-256 — never the value. */
    readonly findings?: readonly PiiFinding[];
    /** Milliseconds the call waited for a rate limit before it was allowed. */
    readonly delayMs?: number;
    /** Attribution from iron_shim.context(...), as on the call's llm.request. */
    readonly attrs: Readonly<Record<string, string>>;
  };
  "llm.response": {
    readonly agentId: string;
    readonly callId: string;
    readonly model: string | null;
    readonly status: number;
    readonly usage: UsageFields | null;
    readonly costMicros: number;
    readonly latencyMs: number;
    readonly stream: boolean;
    readonly complete: boolean;
    readonly error: string | null;
    /** Attribution from iron_shim.context(...), as on the call's llm.request. */
    readonly attrs: Readonly<Record<string, string>>;
    /** Why the model stopped (`stop`, `length`, `end_turn`, …), when the response body says. */
    readonly finishReasons?: readonly string[];
  };
  "budget.update": { readonly scope: string; readonly limit: number | null; readonly spent: number; readonly reserved: number };
  /** Scopes dropped from memory and from snapshots (their spend stays in the store): periods that are over, or idle scopes beyond budgets.max_live_scopes. */
  "budget.retired": { readonly scopes: readonly string[]; readonly reason: "period over" | "idle" };
  "budget.warning": {
    readonly scope: string;
    /** The fraction of the limit now spent that was crossed (0.5, 0.8, 0.9, …). */
    readonly threshold: number;
    readonly spent: number;
    readonly limit: number;
    readonly agentId: string;
    readonly callId: string;
  };
  "budget.exhausted": {
    /** The scope that had no room for the call. */
    readonly scope: string;
    readonly limit: number;
    readonly spent: number;
    readonly agentId: string;
    readonly callId: string;
    readonly reason: string;
  };
  "breaker.state": {
    readonly provider: string;
    readonly model: string;
    /** `closed`, `open` or `halfOpen`. */
    readonly from: string;
    readonly to: string;
    readonly reason: string;
    /** While open: milliseconds until it half-opens. */
    readonly cooldownMs: number | null;
  };
  "policy.error": {
    readonly agentId: string;
    readonly callId: string;
    readonly policy: string;
    readonly error: string;
    readonly timedOut: boolean;
    readonly ignored: boolean;
  };
  /** An agent reported usage that cannot be believed (negative or absurd counts); the call was charged its worst case. */
  "llm.usage.rejected": {
    readonly agentId: string;
    readonly callId: string;
    /** `IRON_ERR_USAGE_INVALID`. */
    readonly code: string;
    /** Which count, what was expected and what was got. */
    readonly reason: string;
  };
  /** An operator's action from the dashboard or its HTTP API (`POST /api/actions`), done or refused. */
  "control.action": {
    /** `agent.stop`, `agent.start`, `agent.restart`, `budget.set`, `budget.reset` or `breaker.reset`. */
    readonly action: string;
    /** The agent id, the budget scope (budget.reset: the scopes, comma-separated, or `*`), or `provider/model`. */
    readonly target: string;
    /** The action's parameters (`limitUsd` of budget.set; `scopesReset`, `spentMicros` of budget.reset). */
    readonly params: Readonly<Record<string, string | number | boolean | null>>;
    readonly outcome: "done" | "refused";
    /** Why it was refused (IRON_ERR_NOT_FOUND, IRON_ERR_STATE, …); null when done. */
    readonly code: string | null;
    readonly error: string | null;
    /** `dashboard` when the page sent it, `api` for any other HTTP client, `config` for a fleet limit set by a supervisor's configuration. */
    readonly source: "dashboard" | "api" | "config";
    /** The client's address. */
    readonly remote: string;
  };
  /** The state store failed: from here on calls are denied and events are no longer durable. */
  "store.error": { readonly code: string; readonly error: string; readonly lastCommittedSeq: number };
}

export type EventType = keyof EventPayloads;

/** One event as stored and streamed. */
export type IronEvent<T extends EventType = EventType> = {
  [K in T]: { readonly seq: number; readonly ts: number; readonly type: K } & EventPayloads[K];
}[T];

/** An event before the bus gives it a seq and a timestamp. */
export type EventInput<T extends EventType = EventType> = {
  [K in T]: { readonly type: K } & EventPayloads[K];
}[T];

/** Every event type, at runtime (the docs test checks each has an example in protocol/SPEC.md). */
export const EVENT_TYPES = [
  "supervisor.started",
  "supervisor.stopping",
  "agent.state",
  "agent.output",
  "agent.subprocess",
  "agent.reaped",
  "agent.joined",
  "agent.rejected",
  "llm.request",
  "llm.decision",
  "llm.response",
  "budget.update",
  "budget.retired",
  "budget.warning",
  "budget.exhausted",
  "breaker.state",
  "policy.error",
  "llm.usage.rejected",
  "control.action",
  "store.error",
] as const satisfies readonly EventType[];

// Fails to compile when a type is added to EventPayloads but not to EVENT_TYPES.
const everyTypeListed: Exclude<EventType, (typeof EVENT_TYPES)[number]> extends never ? true : never = true;
void everyTypeListed;
