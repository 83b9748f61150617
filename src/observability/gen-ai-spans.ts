// Spans built from the event stream, after the fact: one CLIENT span per LLM call following the
// OpenTelemetry GenAI conventions (with iron's decision on it), a child span per policy that
// acted, and a span per agent run with its lifecycle as span events. Nothing here is on the
// decision path: it runs when committed events are delivered, and ends spans with the events'
// own timestamps.
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { IronEvent } from "../events/types.js";
import type { ContentCapture } from "./content-capture.js";

type Ev<T extends IronEvent["type"]> = Extract<IronEvent, { type: T }>;

interface PendingCall {
  readonly request: Ev<"llm.request">;
  readonly decisions: Ev<"llm.decision">[];
  readonly errors: Ev<"policy.error">[];
}

const FINAL_STATES = new Set(["crashed", "exited", "stopped", "failed"]);
const OPERATIONS: Readonly<Record<string, string>> = {
  "chat.completions": "chat",
  messages: "chat",
  responses: "chat",
  completions: "text_completion",
  embeddings: "embeddings",
};
const traceContext = new W3CTraceContextPropagator();

/** The GenAI operation name of an iron endpoint (`chat.completions` → `chat`). */
export function operationOf(endpoint: string): string {
  return OPERATIONS[endpoint] ?? endpoint;
}

// The agent's own trace, when its request carried a traceparent (or its environment did).
function parentOf(traceparent: string | undefined): Context {
  if (traceparent === undefined) return ROOT_CONTEXT;
  return traceContext.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
}

/** Turns events into spans; `listener` goes on the bus. */
export class GenAiSpans {
  readonly #tracer: Tracer;
  readonly #calls = new Map<string, PendingCall>();
  readonly #agents = new Map<string, Span>();
  readonly #maxPending: number;

  readonly #content: ContentCapture | null;

  /** `content`: prompts and completions to put on the spans (the user opted in), else null. */
  constructor(tracer: Tracer, content: ContentCapture | null = null, maxPending = 10_000) {
    this.#tracer = tracer;
    this.#content = content;
    this.#maxPending = maxPending;
  }

  readonly #queue: IronEvent[] = [];
  #scheduled: NodeJS.Immediate | null = null;

  /** Takes one committed event; spans are made after the current decision has gone out (setImmediate). */
  readonly listener = (event: IronEvent): void => {
    if (event.type !== "llm.request" && event.type !== "llm.decision" && event.type !== "policy.error" && event.type !== "llm.response" && event.type !== "agent.state") return;
    this.#queue.push(event);
    this.#scheduled ??= setImmediate(() => this.#drain());
  };

  #drain(): void {
    this.#scheduled = null;
    for (const event of this.#queue.splice(0)) this.#take(event);
  }

  #take(event: IronEvent): void {
    switch (event.type) {
      case "llm.request":
        if (this.#calls.size >= this.#maxPending) this.#abandonOldest();
        this.#calls.set(event.callId, { request: event, decisions: [], errors: [] });
        return;
      case "llm.decision": {
        const call = this.#calls.get(event.callId);
        if (call === undefined) return;
        call.decisions.push(event);
        if (event.phase === "request" && event.action === "deny") this.#finish(call, event.ts, null, null);
        return;
      }
      case "policy.error":
        this.#calls.get(event.callId)?.errors.push(event);
        return;
      case "llm.response": {
        const call = this.#calls.get(event.callId);
        if (call !== undefined) this.#finish(call, event.ts, event, null);
        return;
      }
      case "agent.state":
        return this.#agentState(event);
      default:
        return;
    }
  }

  /** Ends every open span (the supervisor is closing): calls without a response count as abandoned. */
  endAll(ts: number): void {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#drain();
    for (const call of [...this.#calls.values()]) this.#finish(call, ts, null, "abandoned");
    for (const span of this.#agents.values()) span.end(ts);
    this.#agents.clear();
  }

  #abandonOldest(): void {
    const oldest = this.#calls.values().next().value;
    if (oldest !== undefined) this.#finish(oldest, oldest.request.ts, null, "abandoned");
  }

  // One span per agent run: starts with the run's first state, ends when its process is gone.
  #agentState(event: Ev<"agent.state">): void {
    const key = `${event.agentId}#${event.run}`;
    let span = this.#agents.get(key);
    if (span === undefined) {
      span = this.#tracer.startSpan(`invoke_agent ${event.agentId}`, {
        kind: SpanKind.INTERNAL,
        startTime: event.ts,
        attributes: {
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.name": event.agentId,
          "gen_ai.agent.id": event.agentId,
          "iron.agent.run": event.run,
          "iron.agent.restart": event.run > 1,
          ...(event.pid !== null && { "process.pid": event.pid }),
        },
      });
      this.#agents.set(key, span);
    }
    const attributes: Attributes = { "iron.agent.from": event.from, "iron.agent.to": event.to };
    if (event.reason !== null) attributes["iron.agent.reason"] = event.reason;
    if (event.exitCode !== null) attributes["process.exit.code"] = event.exitCode;
    if (event.signal !== null) attributes["iron.agent.signal"] = event.signal;
    span.addEvent(`agent.${event.to}`, attributes, event.ts);
    if (!FINAL_STATES.has(event.to)) return;
    for (const call of [...this.#calls.values()]) if (call.request.agentId === event.agentId) this.#finish(call, event.ts, null, "abandoned");
    if (event.to === "crashed" || event.to === "failed") span.setStatus({ code: SpanStatusCode.ERROR, message: event.reason ?? event.to });
    span.end(event.ts);
    this.#agents.delete(key);
  }

  // Makes the call's span (and its policies' children) now that the call is over.
  #finish(call: PendingCall, end: number, response: Ev<"llm.response"> | null, abandoned: "abandoned" | null): void {
    this.#calls.delete(call.request.callId);
    const req = call.request;
    const operation = operationOf(req.endpoint);
    const attributes: Attributes = {
      "gen_ai.operation.name": operation,
      "gen_ai.provider.name": req.provider,
      "iron.agent.id": req.agentId,
      "iron.call.id": req.callId,
      "iron.library": req.library,
    };
    if (req.model !== null) attributes["gen_ai.request.model"] = req.model;
    if (req.maxOutputTokens !== null) attributes["gen_ai.request.max_tokens"] = req.maxOutputTokens;
    if (req.server !== undefined) {
      const [host, port] = splitServer(req.server);
      attributes["server.address"] = host;
      if (port !== null) attributes["server.port"] = port;
    }
    const deciding = decidingOf(call.decisions);
    attributes["iron.decision"] = deciding?.action ?? (abandoned === null ? "allow" : "abandoned");
    if (deciding?.policy != null) attributes["iron.policy"] = deciding.policy;
    if (deciding?.code != null) attributes["iron.reason_code"] = deciding.code;
    if (deciding?.reason != null) attributes["iron.reason"] = deciding.reason;
    const denied = deciding?.action === "deny";
    let errorType: string | null = denied ? (deciding?.code ?? "denied") : abandoned;
    if (response !== null) {
      if (response.model !== null) attributes["gen_ai.response.model"] = response.model;
      const usage = response.usage;
      if (usage !== null) {
        attributes["gen_ai.usage.input_tokens"] = usage.inputTokens;
        attributes["gen_ai.usage.output_tokens"] = usage.outputTokens;
        if (usage.cachedInputTokens > 0) attributes["gen_ai.usage.cache_read.input_tokens"] = usage.cachedInputTokens;
        if (usage.cacheCreationInputTokens > 0) attributes["gen_ai.usage.cache_creation.input_tokens"] = usage.cacheCreationInputTokens;
        if (usage.reasoningTokens > 0) attributes["gen_ai.usage.reasoning.output_tokens"] = usage.reasoningTokens;
      }
      if (response.finishReasons !== undefined && response.finishReasons.length > 0) attributes["gen_ai.response.finish_reasons"] = [...response.finishReasons];
      attributes["iron.cost.usd"] = response.costMicros / 1e6;
      attributes["http.response.status_code"] = response.status;
      if (errorType === null && response.status >= 400) errorType = String(response.status);
      if (errorType === null && response.error !== null) errorType = "_OTHER";
    } else {
      const reserved = call.decisions.find((d) => d.phase === "request");
      attributes["iron.cost.usd"] = 0;
      if (reserved !== undefined && reserved.status !== null) attributes["http.response.status_code"] = reserved.status;
    }
    if (errorType !== null) attributes["error.type"] = errorType;
    if (this.#content !== null) Object.assign(attributes, this.#content.take(req.callId));
    const name = req.model === null ? operation : `${operation} ${req.model}`;
    const span = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: req.ts, attributes }, parentOf(req.traceparent));
    if (errorType !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: deciding?.reason ?? response?.error ?? errorType });
    const parent = trace.setSpan(ROOT_CONTEXT, span);
    for (const decision of call.decisions) {
      if (decision.policy === null) continue;
      const child = this.#tracer.startSpan(
        `policy ${decision.policy}`,
        {
          kind: SpanKind.INTERNAL,
          startTime: Math.max(req.ts, decision.ts - decision.ms),
          attributes: {
            "iron.policy": decision.policy,
            "iron.phase": decision.phase,
            "iron.decision": decision.action,
            ...(decision.code !== null && { "iron.reason_code": decision.code }),
            ...(decision.reason !== null && { "iron.reason": decision.reason }),
            ...(decision.findings !== undefined && { "iron.findings": decision.findings.map((f) => `${f.detector}:${f.action}`) }),
            ...(decision.delayMs !== undefined && { "iron.delay_ms": decision.delayMs }),
          },
        },
        parent,
      );
      if (decision.action === "deny") child.setStatus({ code: SpanStatusCode.ERROR, message: decision.reason ?? "denied" });
      child.end(decision.ts);
    }
    for (const failure of call.errors)
      span.addEvent("iron.policy.error", { "iron.policy": failure.policy, "iron.error": failure.error, "iron.timed_out": failure.timedOut, "iron.ignored": failure.ignored }, failure.ts);
    span.end(Math.max(end, req.ts));
  }
}

// The decision that shaped the call: a denial, else the last non-allow, else the request's.
function decidingOf(decisions: readonly Ev<"llm.decision">[]): Ev<"llm.decision"> | undefined {
  return decisions.find((d) => d.action === "deny") ?? [...decisions].reverse().find((d) => d.action !== "allow") ?? decisions.find((d) => d.phase === "request");
}

function splitServer(server: string): [string, number | null] {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(server);
  if (match === null) return [server, null];
  return [match[1] as string, match[2] === undefined ? null : Number(match[2])];
}
