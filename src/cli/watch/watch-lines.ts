// Pure rendering of `iron watch` when its output is not a terminal: one plain line per
// thing worth telling (no redraws, no escape codes), fit for logs and pipes.
import type { Snapshot, StateProjection } from "../../events/projection.js";
import type { IronEvent } from "../../events/types.js";
import { formatUsd } from "../../policy/money.js";
import { formatTime } from "../ledger-format.js";
import { labelScope } from "../scope-label.js";
import { callLine } from "./watch-frame.js";

/** How many of the snapshot's recent calls the first lines repeat. */
const SNAPSHOT_CALLS = 10;

/** What the snapshot says, as lines: who is running, budgets, the last few calls. */
export function snapshotLines(snapshot: Snapshot, url: string, now: number = Date.now()): string[] {
  const sup = snapshot.supervisor;
  const lines = [`${formatTime(snapshot.ts, now)} connected to ${url}${sup === null ? "" : ` (supervisor pid ${sup.pid}, iron ${sup.version})`} at seq ${snapshot.seq}`];
  for (const a of snapshot.agents) lines.push(`${formatTime(a.since, now)} agent ${a.agentId}: ${a.state} (run ${a.run}, ${a.calls} calls, ${formatUsd(a.costMicros)})`);
  for (const b of snapshot.budgets)
    lines.push(`${formatTime(snapshot.ts, now)} budget ${labelScope(b.scope)}: ${formatUsd(b.spent)}${b.limit === null ? " spent, no limit" : ` of ${formatUsd(b.limit)}`}`);
  for (const b of snapshot.breakers) lines.push(`${formatTime(b.since, now)} breaker ${b.provider}${b.model === null ? "" : `/${b.model}`}: ${b.state}`);
  for (const c of snapshot.calls.slice(-SNAPSHOT_CALLS)) lines.push(callLine(c, now));
  if (snapshot.storeError !== null) lines.push(`${formatTime(snapshot.ts, now)} STORE FAILED: ${snapshot.storeError}`);
  return lines;
}

/** The line (if any) for one event, given the state after it was applied. */
export function eventLine(event: IronEvent, state: StateProjection, now: number = Date.now()): string | null {
  const at = formatTime(event.ts, now);
  switch (event.type) {
    case "supervisor.started":
      return `${at} supervisor started (pid ${event.pid}, iron ${event.version})`;
    case "supervisor.stopping":
      return `${at} supervisor stopping (${event.reason})`;
    case "agent.state":
      if (event.from === event.to) return `${at} agent ${event.agentId}: ${event.to} (run ${event.run}${event.reason === null ? "" : `, ${event.reason}`})`;
      return `${at} agent ${event.agentId}: ${event.from} → ${event.to}${event.reason === null ? "" : ` (${event.reason})`}`;
    case "agent.subprocess":
      return `${at} agent ${event.agentId}: sub-process ${event.pid} ${event.change}`;
    case "agent.reaped":
      return `${at} agent ${event.agentId}: reaped ${event.processes} process(es) of run ${event.run}, left by supervisor pid ${event.supervisorPid}`;
    case "llm.decision": {
      const model = state.calls.get(event.callId)?.model ?? "?";
      const why = event.reason === null ? "" : `: ${event.reason}`;
      if (event.phase === "request") {
        if (event.action === "allow") return `${at} ${event.agentId} ${model} allowed (call ${event.callId})`;
        if (event.action === "modify") return `${at} ${event.agentId} ${model} modified by ${event.policy ?? "?"}${why}`;
        return `${at} ${event.agentId} ${model} denied by ${event.policy ?? "?"} (${event.code ?? "?"}, HTTP ${event.status ?? "?"})${why}`;
      }
      if (event.action === "allow") return null;
      return `${at} ${event.agentId} ${model} response ${event.action === "redact" ? "redacted" : "denied"} by ${event.policy ?? "?"}${why}`;
    }
    case "llm.response": {
      const tokens = event.usage === null ? "no usage" : `${event.usage.inputTokens} in / ${event.usage.outputTokens} out tokens`;
      return `${at} ${event.agentId} ${event.model ?? "?"} answered ${event.status}${event.complete ? "" : " (incomplete)"} · ${tokens} · ${formatUsd(event.costMicros)} · ${event.latencyMs.toFixed(1)} ms`;
    }
    case "budget.warning":
      return `${at} budget ${labelScope(event.scope)}: past ${Math.round(event.threshold * 100)}% (${formatUsd(event.spent)} of ${formatUsd(event.limit)})`;
    case "budget.exhausted":
      // One call's worst case did not fit: the budget may well be mostly left, so not "exhausted".
      return `${at} budget ${labelScope(event.scope)} has no room for ${event.agentId}'s call (${formatUsd(event.spent)} of ${formatUsd(event.limit)} spent): ${event.reason}`;
    case "breaker.state":
      return `${at} breaker ${event.provider}${event.model ? `/${event.model}` : ""}: ${event.from} → ${event.to}${event.reason ? ` (${event.reason})` : ""}`;
    case "policy.error":
      return `${at} ${event.agentId} policy ${event.policy} ${event.timedOut ? "timed out" : "failed"}: ${event.error}${event.ignored ? " (ignored: fail-open)" : ""}`;
    case "store.error":
      return `${at} STORE FAILED: ${event.error}`;
    case "control.action":
      return `${at} ${controlText(event)}`;
    default:
      return null;
  }
}

/** The closing lines: each budget's final spend. */
export function finalLines(state: StateProjection, now: number = Date.now()): string[] {
  return [...state.budgets.values()].map((b) => `${formatTime(now, now)} budget ${labelScope(b.scope)}: ${formatUsd(b.spent)}${b.limit === null ? " spent, no limit" : ` of ${formatUsd(b.limit)}`}`);
}

/** An operator's action as one phrase, for `iron watch` and `iron run`'s lines. */
export function controlText(event: IronEvent<"control.action">): string {
  const params = Object.entries(event.params)
    .map(([k, v]) => ` ${k}=${v === null ? "none" : String(v)}`)
    .join("");
  const outcome = event.outcome === "done" ? "done" : `refused (${event.code ?? "?"}: ${event.error ?? ""})`;
  return `${event.source} (${event.remote}): ${event.action} ${event.target}${params} — ${outcome}`;
}
