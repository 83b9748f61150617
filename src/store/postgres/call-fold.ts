// Folds events into the rows a store keeps queryable (calls, agents, breakers), in memory, so
// the PostgreSQL store writes whole rows per batch and answers this supervisor's reads at once.
import type { IronEvent } from "../../events/types.js";
import type { BreakerRecord, CallRecord } from "../store.js";

/** An agent as the fleet's `agents` table holds it. */
export interface AgentRow {
  readonly agentId: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly state: string;
  readonly runs: number;
  readonly lastReason: string | null;
  readonly kind: "spawned" | "joined";
  readonly pid: number | null;
  readonly host: string | null;
  /** The interpreter's version (`3.11.7`), when known. */
  readonly python: string | null;
}

/** A call as the fleet's `calls` table holds it: the ledger's record and the values redacted in it. */
export type FleetCallRow = CallRecord & {
  /** Values redacted in the request or the response (safety decides a request's as `modify`). */
  readonly redactedValues: number;
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Applies one event to the rows it concerns; returns which kind of row changed (null: none). */
export function foldEvent(
  event: IronEvent,
  rows: { calls: Map<string, FleetCallRow>; agents: Map<string, AgentRow>; breakers: Map<string, BreakerRecord> },
  localHost: string,
): "call" | "agent" | "breaker" | null {
  switch (event.type) {
    case "llm.request":
      rows.calls.set(event.callId, {
        callId: event.callId,
        agentId: event.agentId,
        provider: event.provider,
        endpoint: event.endpoint,
        model: event.model,
        responseModel: null,
        library: event.library,
        stream: event.stream,
        requestedAt: event.ts,
        attrs: event.attrs,
        decision: null,
        policy: null,
        code: null,
        reason: null,
        responseAction: null,
        status: null,
        inputTokens: 0,
        outputTokens: 0,
        costMicros: 0,
        latencyMs: null,
        complete: null,
        error: null,
        redactedValues: 0,
      });
      return "call";
    case "llm.decision": {
      const call = rows.calls.get(event.callId) as Mutable<FleetCallRow> | undefined;
      if (call === undefined) return null;
      for (const finding of event.findings ?? []) if (finding.action === "redact") call.redactedValues += 1;
      if (event.phase === "request") {
        Object.assign(call, { decision: event.action, policy: event.policy, code: event.code, reason: event.reason });
        if (event.action === "deny") call.status = event.status;
      } else if (event.action !== "allow" && (call.responseAction === null || call.responseAction === "allow")) {
        call.responseAction = event.action;
        call.code ??= event.code;
        call.reason ??= event.reason;
        if (event.action === "deny" && event.status !== null) call.status = event.status;
      }
      return "call";
    }
    case "llm.response": {
      const call = rows.calls.get(event.callId) as Mutable<FleetCallRow> | undefined;
      if (call === undefined) return null;
      if (call.responseAction !== "deny") call.status = event.status;
      Object.assign(call, {
        responseModel: event.model,
        inputTokens: event.usage?.inputTokens ?? 0,
        outputTokens: event.usage?.outputTokens ?? 0,
        costMicros: event.costMicros,
        latencyMs: event.latencyMs,
        complete: event.complete,
        error: event.error,
      });
      return "call";
    }
    case "agent.state": {
      const before = rows.agents.get(event.agentId);
      rows.agents.set(event.agentId, {
        agentId: event.agentId,
        firstSeen: before?.firstSeen ?? event.ts,
        lastSeen: event.ts,
        state: event.to,
        runs: Math.max(before?.runs ?? 0, event.run),
        lastReason: event.reason,
        kind: before?.kind ?? "spawned",
        pid: event.pid ?? before?.pid ?? null,
        host: before?.host ?? localHost,
        python: event.python ?? before?.python ?? null,
      });
      return "agent";
    }
    case "agent.joined": {
      const before = rows.agents.get(event.agentId);
      rows.agents.set(event.agentId, {
        agentId: event.agentId,
        firstSeen: before?.firstSeen ?? event.ts,
        lastSeen: event.ts,
        state: "running",
        runs: Math.max(before?.runs ?? 0, event.run),
        lastReason: before?.lastReason ?? null,
        kind: "joined",
        pid: event.pid,
        host: event.host,
        python: event.python,
      });
      return "agent";
    }
    case "breaker.state":
      rows.breakers.set(`${event.provider}\u0000${event.model}`, { provider: event.provider, model: event.model === "" ? null : event.model, state: event.to, since: event.ts, reason: event.reason });
      return "breaker";
    default:
      return null;
  }
}
