// Per-agent counters of calls (agent.metrics, the CLI's summary line): kept live as calls are
// decided, because an Agent hands out its counters before any event has been folded.
import type { Finding, Usage } from "../policy/types.js";
import type { Verdict } from "../policy/verdict.js";
import { type CallOutcome, callOutcome, type OutcomeFacts, redactions } from "../events/call-outcome.js";

/** Counters of one agent's calls, as `agent.metrics` shows them. */
export interface CallMetrics {
  calls: number;
  allowed: number;
  modified: number;
  denied: number;
  /** Denied by a budget (IRON_ERR_BUDGET): when every call was, the run did nothing useful. */
  deniedByBudget: number;
  /** Calls with values redacted in the request or the response (the ledger's outcome `redact`). */
  redacted: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

/** Counters at zero, for an agent with no call yet. */
export function emptyMetrics(): CallMetrics {
  return { calls: 0, allowed: 0, modified: 0, denied: 0, deniedByBudget: 0, redacted: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
}

type Counted = "allowed" | "modified" | "denied" | "redacted";
const COUNTER: Readonly<Record<CallOutcome, Counted | null>> = { allow: "allowed", modify: "modified", deny: "denied", redact: "redacted", pending: null };

/** A call still open (its response not yet decided): what is known of it, to recount it when that changes. */
interface OpenCall {
  readonly agentId: string;
  facts: OutcomeFacts;
}

/**
 * The counters of every agent, one object per agent shared with its Agent. Each call is counted
 * once, under its outcome by the rules the ledger uses (callOutcome): a call whose response is
 * redacted after an allowed request moves from allowed to redacted, so the summary and `iron calls`
 * give the same counts.
 */
export class MetricsBoard {
  readonly #metrics = new Map<string, CallMetrics>();
  readonly #open = new Map<string, OpenCall>();

  /** The live counters of an agent (created on first use). */
  of(agentId: string): CallMetrics {
    let metrics = this.#metrics.get(agentId);
    if (metrics === undefined) {
      metrics = emptyMetrics();
      this.#metrics.set(agentId, metrics);
    }
    return metrics;
  }

  /** Drops an agent's counters (a detached joined agent evicted from memory). */
  forget(agentId: string): void {
    this.#metrics.delete(agentId);
    for (const [callId, open] of this.#open) if (open.agentId === agentId) this.#open.delete(callId);
  }

  /** Counts a decided request under its outcome so far. */
  countRequest(agentId: string, callId: string, verdict: Verdict): void {
    const metrics = this.of(agentId);
    metrics.calls += 1;
    if (verdict.action === "deny" && verdict.code === "IRON_ERR_BUDGET") metrics.deniedByBudget += 1;
    const facts: OutcomeFacts = { decision: verdict.action, responseAction: null, redactedValues: redactions(verdict.findings) };
    this.#move(metrics, null, facts);
    if (verdict.action !== "deny") this.#open.set(callId, { agentId, facts });
  }

  /** A decision about (part of) a call's response, streamed or whole: it may change the call's outcome. */
  noteResponse(callId: string, action: string, findings: readonly Finding[] | undefined): void {
    const open = this.#open.get(callId);
    if (open === undefined) return;
    const was = open.facts;
    // As the ledger records it: the last decision that was not allow, and every value redacted.
    open.facts = { ...was, responseAction: action === "allow" ? was.responseAction : action, redactedValues: was.redactedValues + redactions(findings) };
    this.#move(this.of(open.agentId), was, open.facts);
  }

  /** Counts a decided response: its outcome, the tokens of usage that passed its checks, and cost. */
  countResponse(agentId: string, callId: string, verdict: Verdict, usage: Usage | null): void {
    this.noteResponse(callId, verdict.action, verdict.findings);
    this.#open.delete(callId);
    const metrics = this.of(agentId);
    metrics.inputTokens += usage?.inputTokens ?? 0;
    metrics.outputTokens += usage?.outputTokens ?? 0;
    metrics.costMicros += verdict.micros;
  }

  // Moves one call from the counter of its old outcome to that of its new one.
  #move(metrics: CallMetrics, was: OutcomeFacts | null, now: OutcomeFacts): void {
    const from = was === null ? null : COUNTER[callOutcome(was)];
    const to = COUNTER[callOutcome(now)];
    if (from === to) return;
    if (from !== null) metrics[from] -= 1;
    if (to !== null) metrics[to] += 1;
  }
}
