// Per-agent counters of calls (agent.metrics, the CLI's summary line): kept live as calls are
// decided, because an Agent hands out its counters before any event has been folded.
import type { Usage } from "../policy/types.js";
import type { Verdict } from "../policy/verdict.js";

/** Counters of one agent's calls, as `agent.metrics` shows them. */
export interface CallMetrics {
  calls: number;
  allowed: number;
  modified: number;
  denied: number;
  /** Denied by a budget (IRON_ERR_BUDGET): when every call was, the run did nothing useful. */
  deniedByBudget: number;
  redacted: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

/** Counters at zero, for an agent with no call yet. */
export function emptyMetrics(): CallMetrics {
  return { calls: 0, allowed: 0, modified: 0, denied: 0, deniedByBudget: 0, redacted: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
}

/** The counters of every agent, one object per agent shared with its Agent. */
export class MetricsBoard {
  readonly #metrics = new Map<string, CallMetrics>();

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
  }

  /** Counts a decided request by what was decided. */
  countRequest(agentId: string, verdict: Verdict): void {
    const metrics = this.of(agentId);
    metrics.calls += 1;
    if (verdict.action === "deny") {
      metrics.denied += 1;
      if (verdict.code === "IRON_ERR_BUDGET") metrics.deniedByBudget += 1;
    } else if (verdict.action === "modify") metrics.modified += 1;
    else metrics.allowed += 1;
  }

  /** Counts a decided response: redactions, the tokens of usage that passed its checks, and cost. */
  countResponse(agentId: string, verdict: Verdict, usage: Usage | null): void {
    const metrics = this.of(agentId);
    if (verdict.action === "redact") metrics.redacted += 1;
    metrics.inputTokens += usage?.inputTokens ?? 0;
    metrics.outputTokens += usage?.outputTokens ?? 0;
    metrics.costMicros += verdict.micros;
  }
}
