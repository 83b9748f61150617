// The supervisor's state as a pure fold over events: agents and their states, budgets,
// breakers and recent calls. The stream builds its `snapshot` from it; `iron watch` folds the
// snapshot and the live events with the same code, so both always agree.
import { type CallOutcome, callOutcome, redactions } from "./call-outcome.js";
import type { IronEvent } from "./types.js";

/** One agent as the stream and `iron watch` show it. */
export interface AgentView {
  readonly agentId: string;
  state: string;
  run: number;
  pid: number | null;
  /** Runs after the first one. */
  restarts: number;
  /** Unix ms of the last state change. */
  since: number;
  reason: string | null;
  /** Calls decided, each counted once more under its outcome (the ledger's rules, callOutcome). */
  calls: number;
  allowed: number;
  modified: number;
  redacted: number;
  denied: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

export interface BudgetRow {
  readonly scope: string;
  limit: number | null;
  spent: number;
  reserved: number;
  /** The highest warning threshold crossed (0..1), or null. */
  warned: number | null;
}

export interface BreakerView {
  readonly provider: string;
  /** Null for a breaker over every model of the provider. */
  readonly model: string | null;
  state: string;
  since: number;
  reason: string | null;
  /** While open: when it half-opens (unix ms), when known. */
  retryAt: number | null;
}

/** One call, updated as its decision and response arrive. */
export interface CallView {
  readonly callId: string;
  readonly agentId: string;
  readonly ts: number;
  /** The model asked for (after a policy's rewrite, the one it was sent to is `responseModel`). */
  model: string | null;
  /** The model that answered, when a response came. */
  responseModel: string | null;
  decision: string | null;
  policy: string | null;
  code: string | null;
  reason: string | null;
  responseAction: string | null;
  /** Values redacted in the request or the response so far. */
  redactedValues: number;
  status: number | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  latencyMs: number | null;
}

/** The first message a stream client gets: the state as of `seq`; live events follow from seq + 1. */
export interface Snapshot {
  readonly type: "snapshot";
  readonly seq: number;
  readonly ts: number;
  readonly supervisor: { readonly pid: number; readonly version: string; readonly startedAt: number; readonly stopping: boolean } | null;
  readonly agents: readonly AgentView[];
  readonly budgets: readonly BudgetRow[];
  readonly breakers: readonly BreakerView[];
  readonly calls: readonly CallView[];
  readonly storeError: string | null;
}

/** Which agents a client wants (null: all). */
export type AgentFilter = ReadonlySet<string> | null;

/** Folds events into the current state. */
export class StateProjection {
  seq = 0;
  supervisor: { pid: number; version: string; startedAt: number; stopping: boolean } | null = null;
  storeError: string | null = null;
  readonly agents = new Map<string, AgentView>();
  readonly budgets = new Map<string, BudgetRow>();
  readonly breakers = new Map<string, BreakerView>();
  readonly calls = new Map<string, CallView>();
  readonly #maxCalls: number;

  constructor(maxCalls = 100) {
    this.#maxCalls = maxCalls;
  }

  /** Rebuilds the state a snapshot describes (the client side of the stream). */
  static fromSnapshot(snapshot: Snapshot, maxCalls = 100): StateProjection {
    const p = new StateProjection(maxCalls);
    p.seq = snapshot.seq;
    p.supervisor = snapshot.supervisor === null ? null : { ...snapshot.supervisor };
    p.storeError = snapshot.storeError;
    for (const a of snapshot.agents) p.agents.set(a.agentId, { ...a });
    for (const b of snapshot.budgets) p.budgets.set(b.scope, { ...b });
    for (const b of snapshot.breakers) p.breakers.set(breakerKey(b.provider, b.model), { ...b });
    for (const c of snapshot.calls) p.#addCall({ ...c });
    return p;
  }

  /** Starts from what the store remembers of earlier runs: breakers and recent calls. */
  seed(breakers: readonly BreakerView[], calls: readonly CallView[]): void {
    for (const b of breakers) this.breakers.set(breakerKey(b.provider, b.model), { ...b });
    for (const c of calls) this.#addCall({ ...c });
  }

  /** Applies one event (events must come in seq order). */
  apply(event: IronEvent): void {
    this.seq = event.seq;
    switch (event.type) {
      case "supervisor.started":
        this.supervisor = { pid: event.pid, version: event.version, startedAt: event.ts, stopping: false };
        return;
      case "supervisor.stopping":
        if (this.supervisor !== null) this.supervisor.stopping = true;
        return;
      case "store.error":
        this.storeError = event.error;
        return;
      case "agent.state": {
        const agent = this.#agent(event.agentId, event.ts);
        agent.state = event.to;
        agent.run = event.run;
        agent.restarts = Math.max(agent.restarts, event.run - 1);
        agent.pid = event.pid ?? agent.pid;
        agent.since = event.ts;
        agent.reason = event.reason;
        return;
      }
      case "llm.request":
        this.#addCall({
          callId: event.callId,
          agentId: event.agentId,
          ts: event.ts,
          model: event.model,
          responseModel: null,
          decision: null,
          policy: null,
          code: null,
          reason: null,
          responseAction: null,
          redactedValues: 0,
          status: null,
          inputTokens: 0,
          outputTokens: 0,
          costMicros: 0,
          latencyMs: null,
        });
        return;
      case "llm.decision":
        return this.#decision(event);
      case "llm.response": {
        const agent = this.#agent(event.agentId, event.ts);
        agent.inputTokens += event.usage?.inputTokens ?? 0;
        agent.outputTokens += event.usage?.outputTokens ?? 0;
        agent.costMicros += event.costMicros;
        const call = this.calls.get(event.callId);
        if (call === undefined) return;
        if (call.responseAction !== "deny") call.status = event.status;
        call.responseModel = event.model;
        call.inputTokens = event.usage?.inputTokens ?? 0;
        call.outputTokens = event.usage?.outputTokens ?? 0;
        call.costMicros = event.costMicros;
        call.latencyMs = event.latencyMs;
        return;
      }
      case "budget.update": {
        const row = this.budgets.get(event.scope) ?? { scope: event.scope, limit: null, spent: 0, reserved: 0, warned: null };
        Object.assign(row, { limit: event.limit, spent: event.spent, reserved: event.reserved });
        this.budgets.set(event.scope, row);
        return;
      }
      case "budget.retired":
        for (const scope of event.scopes) this.budgets.delete(scope);
        return;
      case "budget.warning": {
        const row = this.budgets.get(event.scope) ?? { scope: event.scope, limit: event.limit, spent: event.spent, reserved: 0, warned: null };
        row.warned = Math.max(row.warned ?? 0, event.threshold);
        this.budgets.set(event.scope, row);
        return;
      }
      case "breaker.state":
        this.breakers.set(breakerKey(event.provider, event.model || null), {
          provider: event.provider,
          model: event.model || null,
          state: event.to,
          since: event.ts,
          reason: event.reason,
          retryAt: event.cooldownMs === null || event.cooldownMs === undefined ? null : event.ts + event.cooldownMs,
        });
        return;
      default:
        return;
    }
  }

  // A request decision counts the call under its outcome; a later response or stream decision
  // that changes the outcome (a deny, a redaction) moves it, while the call is still in view.
  #decision(event: IronEvent<"llm.decision">): void {
    const call = this.calls.get(event.callId);
    if (event.phase === "request") {
      const agent = this.#agent(event.agentId, event.ts);
      const redactedValues = redactions(event.findings);
      agent.calls += 1;
      count(agent, callOutcome({ decision: event.action, responseAction: null, redactedValues }), 1);
      if (call === undefined) return;
      Object.assign(call, { decision: event.action, policy: event.policy, code: event.code, reason: event.reason, redactedValues });
      if (event.action === "deny") call.status = event.status;
      return;
    }
    if (call === undefined) return;
    const was = callOutcome(call);
    call.redactedValues += redactions(event.findings);
    if (event.action !== "allow") {
      call.responseAction = event.action;
      call.policy ??= event.policy;
      call.code ??= event.code;
      call.reason ??= event.reason;
      if (event.action === "deny" && event.status !== null) call.status = event.status;
    }
    const now = callOutcome(call);
    const agent = this.agents.get(call.agentId);
    if (now === was || was === "pending" || agent === undefined) return;
    count(agent, was, -1);
    count(agent, now, 1);
  }

  #agent(agentId: string, ts: number): AgentView {
    let agent = this.agents.get(agentId);
    if (agent === undefined) {
      agent = {
        agentId,
        state: "unknown",
        run: 1,
        pid: null,
        restarts: 0,
        since: ts,
        reason: null,
        calls: 0,
        allowed: 0,
        modified: 0,
        redacted: 0,
        denied: 0,
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0,
      };
      this.agents.set(agentId, agent);
    }
    return agent;
  }

  #addCall(call: CallView): void {
    this.calls.set(call.callId, call);
    while (this.calls.size > this.#maxCalls) this.calls.delete(this.calls.keys().next().value as string);
  }

  /** The state as a snapshot message, narrowed to some agents when asked. */
  snapshot(agents: AgentFilter = null, ts = Date.now()): Snapshot {
    const wanted = (id: string): boolean => agents === null || agents.has(id);
    return {
      type: "snapshot",
      seq: this.seq,
      ts,
      supervisor: this.supervisor === null ? null : { ...this.supervisor },
      agents: [...this.agents.values()].filter((a) => wanted(a.agentId)).map((a) => ({ ...a })),
      budgets: [...this.budgets.values()].map((b) => ({ ...b })),
      breakers: [...this.breakers.values()].map((b) => ({ ...b })),
      calls: [...this.calls.values()].filter((c) => wanted(c.agentId)).map((c) => ({ ...c })),
      storeError: this.storeError,
    };
  }
}

const COUNTERS = { allow: "allowed", modify: "modified", redact: "redacted", deny: "denied" } as const;

function count(agent: AgentView, outcome: CallOutcome, by: 1 | -1): void {
  if (outcome !== "pending") agent[COUNTERS[outcome]] += by;
}

function breakerKey(provider: string, model: string | null): string {
  return `${provider}\u0000${model ?? ""}`;
}
