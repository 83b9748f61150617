// Everything the page shows, folded from the stream: the supervisor's state (the same
// StateProjection the stream's snapshot is built from, keeping up to 10 000 calls), plus what
// only the page needs — agents' last exits and run start times, per-minute chart totals,
// output tails and the activity list. No I/O and no clock: a message in, the state updated in
// place (thousands of rows are not copied per event) and `rev` bumped for the view.
import { type CallOutcome, callOutcome, redactions } from "../../../src/events/call-outcome.js";
import { StateProjection, type CallView, type Snapshot } from "../../../src/events/projection.js";
import { ActivityLog, describeActivity } from "./activity.js";
import type { StreamEvent, StreamMessage } from "./messages.js";
import { OutputTail } from "./output-tail.js";
import { place, type Placement } from "./resume.js";
import { Timeline } from "./timeline.js";

/** How an agent's last process ended. */
export interface LastExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: string | null;
  readonly ts: number;
}

export interface AgentExtra {
  /** When its current run started (unix ms). */
  runStartedAt: number;
  lastExit: LastExit | null;
}

export interface DashboardLimits {
  readonly maxCalls: number;
  readonly outputLines: number;
  readonly activityItems: number;
  readonly chartMinutes: number;
}

export const DEFAULT_LIMITS: DashboardLimits = Object.freeze({ maxCalls: 10_000, outputLines: 500, activityItems: 300, chartMinutes: 60 });

/** What a call already added to the charts (so a snapshot after a reconnect adds nothing twice). */
interface Charted {
  /** The outcome it is counted under; null before its request is decided. */
  outcome: Exclude<CallOutcome, "pending"> | null;
  usage: boolean;
}

export class DashboardState {
  readonly limits: DashboardLimits;
  projection: StateProjection;
  /** The seq of the last message applied; null before the first snapshot. */
  lastSeq: number | null = null;
  /** Bumped on every change, for the view. */
  rev = 0;
  /** How many snapshots were taken (1 after the first connection). */
  snapshots = 0;
  readonly extras = new Map<string, AgentExtra>();
  readonly timeline: Timeline;
  readonly output: OutputTail;
  readonly activity: ActivityLog;
  readonly #charted = new Map<string, Charted>();

  constructor(limits: DashboardLimits = DEFAULT_LIMITS) {
    this.limits = limits;
    this.projection = new StateProjection(limits.maxCalls);
    this.timeline = new Timeline(limits.chartMinutes);
    this.output = new OutputTail(limits.outputLines);
    this.activity = new ActivityLog(limits.activityItems);
  }

  /** Applies one message; says where it stood (a duplicate or a gap changes nothing). */
  apply(message: StreamMessage): Placement {
    const placement = place(this.lastSeq, message);
    if (placement === "snapshot") this.#snapshot(message as Snapshot);
    else if (placement === "next") this.#event(message as StreamEvent);
    else return placement;
    this.lastSeq = message.seq;
    this.rev += 1;
    return placement;
  }

  /**
   * Starts from nothing at seq 0, so that a replay of every event (`?since=0`) builds the state —
   * with the output, exits and activity a snapshot does not carry. Only before anything was applied.
   */
  startEmpty(): void {
    if (this.lastSeq !== null) return;
    this.lastSeq = 0;
    this.rev += 1;
  }

  /** The calls held, oldest first. */
  calls(): IterableIterator<CallView> {
    return this.projection.calls.values();
  }

  // A snapshot replaces the supervisor's state; calls the page held that the snapshot no longer
  // lists (older than its recent ones) are kept, so a reconnect never empties the table.
  #snapshot(snapshot: Snapshot): void {
    const fresh = new Set(snapshot.calls.map((c) => c.callId));
    const kept = [...this.projection.calls.values()].filter((c) => !fresh.has(c.callId));
    const calls = [...kept, ...snapshot.calls].sort((a, b) => a.ts - b.ts);
    this.projection = StateProjection.fromSnapshot({ ...snapshot, calls }, this.limits.maxCalls);
    this.snapshots += 1;
    for (const agent of snapshot.agents) {
      if (!this.extras.has(agent.agentId)) this.extras.set(agent.agentId, { runStartedAt: agent.since, lastExit: null });
    }
    for (const call of snapshot.calls) this.#chart(call, call.ts);
    this.#prune();
  }

  #event(event: StreamEvent): void {
    if (event.type !== "control.action") this.projection.apply(event);
    else this.projection.seq = event.seq;
    const activity = describeActivity(event);
    if (activity !== null) this.activity.add(activity);
    switch (event.type) {
      case "agent.state": {
        const extra = this.extras.get(event.agentId) ?? { runStartedAt: event.ts, lastExit: null };
        if (event.to === "starting" || event.from === "new") extra.runStartedAt = event.ts;
        if (event.exitCode !== null || event.signal !== null) extra.lastExit = { exitCode: event.exitCode, signal: event.signal, reason: event.reason, ts: event.ts };
        this.extras.set(event.agentId, extra);
        return;
      }
      case "agent.joined":
        this.extras.set(event.agentId, { runStartedAt: event.ts, lastExit: this.extras.get(event.agentId)?.lastExit ?? null });
        return;
      case "agent.output":
        this.output.add(event.agentId, { seq: event.seq, ts: event.ts, run: event.run, stream: event.stream, line: event.line });
        return;
      case "llm.request":
        this.#prune();
        return;
      case "llm.decision":
      case "llm.response": {
        const call = this.projection.calls.get(event.callId);
        if (call !== undefined) this.#chart(call, call.ts);
        // A call the table no longer holds: counted under the outcome its request decision gives.
        else if (event.type === "llm.decision" && event.phase === "request")
          this.#chartOutcome(event.ts, callOutcome({ decision: event.action, responseAction: null, redactedValues: redactions(event.findings) }));
        else if (event.type === "llm.response") this.timeline.addUsage(event.ts, event.usage?.inputTokens ?? 0, event.usage?.outputTokens ?? 0, event.costMicros);
        return;
      }
      default:
        return;
    }
  }

  // Adds to the charts whatever of this call they do not count yet; a call whose outcome changed
  // (a response redacted or denied) moves from its old outcome to the new one, so it counts once.
  #chart(call: CallView, ts: number): void {
    let charted = this.#charted.get(call.callId);
    if (charted === undefined) {
      charted = { outcome: null, usage: false };
      this.#charted.set(call.callId, charted);
    }
    const outcome = callOutcome(call);
    if (outcome !== "pending" && outcome !== charted.outcome) {
      if (charted.outcome !== null) this.timeline.addOutcome(ts, charted.outcome, -1);
      this.timeline.addOutcome(ts, outcome);
      charted.outcome = outcome;
    }
    if (!charted.usage && call.latencyMs !== null) {
      charted.usage = true;
      this.timeline.addUsage(ts, call.inputTokens, call.outputTokens, call.costMicros);
    }
  }

  #chartOutcome(ts: number, outcome: CallOutcome): void {
    if (outcome !== "pending") this.timeline.addOutcome(ts, outcome);
  }

  // Forgets the chart marks of calls the table dropped (it keeps the newest maxCalls).
  #prune(): void {
    if (this.#charted.size <= this.limits.maxCalls * 1.2) return;
    for (const id of this.#charted.keys()) if (!this.projection.calls.has(id)) this.#charted.delete(id);
  }
}
