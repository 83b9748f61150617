// Prometheus metrics built from the event stream (prom-client, in a registry of iron's own).
// Labels stay bounded: provider, model, agent, decision; budgets only for the global and
// per-agent scopes (per-user and per-run scopes are never labels).
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { IronEvent } from "../events/types.js";

/** Live figures that are not events: the stream's clients, the span exporter's counters. */
export interface MetricsProbes {
  readonly streamClients?: () => number;
  readonly streamDroppedClients?: () => number;
  readonly spans?: () => { readonly exported: number; readonly failed: number; readonly queueFull: number };
}

type Ev<T extends IronEvent["type"]> = Extract<IronEvent, { type: T }>;

const BREAKER_STATES = ["closed", "halfOpen", "open"] as const;

/** The metrics of one supervisor; `listener` goes on the bus. */
export class IronMetrics {
  readonly registry = new Registry();
  readonly #calls = new Map<string, { provider: string; model: string; agent: string }>();
  readonly #agentStates = new Map<string, string>();
  // The per-call counters are kept as plain sums and handed to prom-client when scraped: hashing
  // and validating four labels per event in prom-client cost 7 µs per call (bench/profiles/issue14-store-stream).
  readonly #callsTotal = new LabelledSums();
  readonly #tokens = new LabelledSums();
  readonly #spend = new LabelledSums();
  readonly #latency: Histogram<"phase">;
  readonly #budgetRemaining: Gauge<"scope" | "period">;
  readonly #budgetLimit: Gauge<"scope" | "period">;
  readonly #breaker: Gauge<"provider" | "model" | "state">;
  readonly #restarts: Counter<"agent">;
  readonly #storeUp: Gauge;
  #seq = 0;

  constructor(probes: MetricsProbes = {}) {
    const registers = [this.registry];
    const calls = this.#callsTotal;
    const tokens = this.#tokens;
    const spend = this.#spend;
    new Counter({
      name: "iron_llm_calls_total",
      help: "LLM calls governed, by the decision on the request",
      labelNames: ["provider", "model", "agent", "decision"],
      registers,
      collect() {
        calls.into(this);
      },
    });
    new Counter({
      name: "iron_llm_tokens_total",
      help: "Tokens the providers reported, by type (input or output)",
      labelNames: ["provider", "model", "agent", "type"],
      registers,
      collect() {
        tokens.into(this);
      },
    });
    new Counter({
      name: "iron_llm_spend_usd_total",
      help: "Spend charged for LLM calls, in US dollars",
      labelNames: ["provider", "model", "agent"],
      registers,
      collect() {
        spend.into(this);
      },
    });
    this.#latency = new Histogram({
      name: "iron_decision_duration_seconds",
      help: "Time iron's policy engine took to decide, by phase (request or response)",
      labelNames: ["phase"],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.#budgetRemaining = new Gauge({
      name: "iron_budget_remaining_usd",
      help: "Budget left (limit minus spent and reserved) of the global and per-agent scopes, in US dollars",
      labelNames: ["scope", "period"],
      registers,
    });
    this.#budgetLimit = new Gauge({ name: "iron_budget_limit_usd", help: "Budget limit of the global and per-agent scopes, in US dollars", labelNames: ["scope", "period"], registers });
    this.#breaker = new Gauge({
      name: "iron_breaker_state",
      help: "Circuit breaker state per provider and model: 1 for the current state, 0 for the others",
      labelNames: ["provider", "model", "state"],
      registers,
    });
    this.#restarts = new Counter({ name: "iron_agent_restarts_total", help: "Times an agent was started again after its process ended", labelNames: ["agent"], registers });
    const states = this.#agentStates;
    new Gauge({
      name: "iron_agents",
      help: "Agents by lifecycle state",
      labelNames: ["state"],
      registers,
      collect() {
        this.reset();
        for (const state of states.values()) this.inc({ state });
      },
    });
    this.#storeUp = new Gauge({ name: "iron_store_up", help: "1 while the state store works, 0 after it failed (calls are then denied)", registers });
    this.#storeUp.set(1);
    const lastSeq = (): number => this.#seq;
    new Gauge({
      name: "iron_events_last_seq",
      help: "Sequence number of the last committed event",
      registers,
      collect() {
        this.set(lastSeq());
      },
    });
    if (probes.streamClients !== undefined) {
      const clients = probes.streamClients;
      new Gauge({
        name: "iron_stream_clients",
        help: "Clients following the live event stream",
        registers,
        collect() {
          this.set(clients());
        },
      });
    }
    if (probes.streamDroppedClients !== undefined) {
      const dropped = probes.streamDroppedClients;
      new Counter({
        name: "iron_stream_clients_dropped_total",
        help: "Stream clients dropped as too slow or unresponsive",
        registers,
        collect() {
          this.reset();
          this.inc(dropped());
        },
      });
    }
    if (probes.spans !== undefined) {
      const spans = probes.spans;
      new Counter({
        name: "iron_telemetry_spans_total",
        help: "Spans by outcome: exported, failed (the collector did not take them) or queue_full (dropped before export)",
        labelNames: ["outcome"],
        registers,
        collect() {
          const s = spans();
          this.reset();
          this.inc({ outcome: "exported" }, s.exported);
          this.inc({ outcome: "failed" }, s.failed);
          this.inc({ outcome: "queue_full" }, s.queueFull);
        },
      });
    }
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** Takes one committed event. */
  readonly listener = (event: IronEvent): void => {
    this.#seq = event.seq;
    switch (event.type) {
      case "llm.request":
        this.#calls.set(event.callId, { provider: event.provider, model: event.model ?? "unknown", agent: event.agentId });
        if (this.#calls.size > 10_000) this.#calls.delete(this.#calls.keys().next().value as string);
        return;
      case "llm.decision":
        return this.#decision(event);
      case "llm.response":
        return this.#response(event);
      case "budget.update":
        return this.#budget(event);
      case "breaker.state":
        for (const state of BREAKER_STATES) this.#breaker.set({ provider: event.provider, model: event.model, state }, state === event.to ? 1 : 0);
        return;
      case "agent.state":
        this.#agentStates.set(event.agentId, event.to);
        if (event.to === "starting" && event.run > 1) this.#restarts.inc({ agent: event.agentId });
        return;
      case "agent.joined":
        this.#agentStates.set(event.agentId, "running");
        return;
      case "store.error":
        this.#storeUp.set(0);
        return;
      default:
        return;
    }
  };

  #decision(event: Ev<"llm.decision">): void {
    if (event.phase === "stream") return;
    this.#latency.observe({ phase: event.phase }, event.ms / 1000);
    if (event.phase !== "request") return;
    const call = this.#calls.get(event.callId);
    const labels = call ?? { provider: "unknown", model: "unknown", agent: event.agentId };
    this.#callsTotal.add(labels, "decision", event.action, 1);
    if (event.action === "deny") this.#calls.delete(event.callId);
  }

  #response(event: Ev<"llm.response">): void {
    const call = this.#calls.get(event.callId);
    this.#calls.delete(event.callId);
    const labels = { provider: call?.provider ?? "unknown", model: event.model ?? call?.model ?? "unknown", agent: event.agentId };
    if (event.usage !== null) {
      this.#tokens.add(labels, "type", "input", event.usage.inputTokens);
      this.#tokens.add(labels, "type", "output", event.usage.outputTokens);
    }
    this.#spend.add(labels, null, null, event.costMicros / 1e6);
  }

  // Only `global` and `agent:<id>` scopes (and their day/month periods, without the date) are labels.
  #budget(event: Ev<"budget.update">): void {
    const match = /^(global|agent:[^@]+)(?:@(day|month):.*)?$/.exec(event.scope);
    if (match === null || event.limit === null) return;
    const labels = { scope: match[1] as string, period: match[2] ?? "total" };
    this.#budgetLimit.set(labels, event.limit / 1e6);
    this.#budgetRemaining.set(labels, Math.max(0, event.limit - event.spent - event.reserved) / 1e6);
  }
}

interface CallLabels {
  readonly provider: string;
  readonly model: string;
  readonly agent: string;
}

/** Sums by a call's labels (and one more label), in the order the label sets first appeared. */
class LabelledSums {
  readonly #sums = new Map<string, { readonly labels: Record<string, string>; value: number }>();

  add(labels: CallLabels, extra: string | null, extraValue: string | null, value: number): void {
    const key = `${labels.provider}\u0000${labels.model}\u0000${labels.agent}\u0000${extraValue ?? ""}`;
    const sum = this.#sums.get(key);
    if (sum !== undefined) {
      sum.value += value;
      return;
    }
    const all: Record<string, string> = { provider: labels.provider, model: labels.model, agent: labels.agent };
    if (extra !== null && extraValue !== null) all[extra] = extraValue;
    this.#sums.set(key, { labels: all, value });
  }

  /** Sets a counter (at scrape time) to the sums. */
  into(counter: Counter<string>): void {
    counter.reset();
    for (const { labels, value } of this.#sums.values()) counter.inc(labels, value);
  }
}
