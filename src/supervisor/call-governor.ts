// Governs each call of every agent: asks the engine, keeps the call in flight until its
// response, and tells the bus, the metrics and the call details what was decided.
import type { EventBus } from "../events/bus.js";
import type { LlmChunkMessage, LlmRequestMessage, LlmResponseMessage, WireBudget } from "../protocol/messages.js";
import { DENIED_STREAM, type ChainedFilter, type ChainedVerdict } from "../policy/stream-filters.js";
import type { LlmCall, LlmResult, Usage } from "../policy/types.js";
import type { Verdict } from "../policy/verdict.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";
import type { CallObserver } from "../stream/call-details.js";
import { BalancePublisher } from "./balance-publisher.js";
import type { BudgetScopeJanitor } from "./budget-scope-janitor.js";
import { MetricsBoard, type CallMetrics } from "./call-metrics.js";
import { finishFields, traceFields } from "./trace-fields.js";
import { allowDecision, toCall, toDecision, toResult, type DecisionFields } from "./wire-mapping.js";
import { batchDecision, singleDecision } from "./chunk-decisions.js";
import { usageProblem } from "../policy/usage-check.js";

/** Where a decision goes the moment it is known (the agent server writes it to the shim). */
export type Reply = (decision: DecisionFields) => void;

const noReply: Reply = () => undefined;

/** What the governor asks of the policy engine: a decision that had nothing to wait for may come at once. */
export interface Decider {
  decideRequest(call: LlmCall): Verdict | Promise<Verdict>;
  decideResponse(call: LlmCall, result: LlmResult): Verdict | Promise<Verdict>;
  openStream(call: LlmCall): ChainedFilter | null;
  release(callId: string): void;
}

/** A response being decided: what its reply and its events need. */
interface Answered {
  readonly agentId: string;
  readonly call: LlmCall;
  readonly message: LlmResponseMessage;
  readonly result: LlmResult;
  /** The usage charged as reported (null when it failed its checks). */
  readonly counted: Usage | null;
  readonly started: number;
  readonly reply: Reply;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** What a CallGovernor works with; every field but the first three may be left out. */
export interface CallGovernorOptions {
  readonly engine: Decider;
  readonly bus: EventBus;
  readonly ledger: BudgetLedger;
  /** The agent's tightest budget, sent with every decision (the shim's status()); none by default. */
  readonly budgetOf?: (agentId: string) => WireBudget | null;
  /** Sees the bodies that went out and the texts that came back (the dashboard's call details). */
  readonly observer?: CallObserver | null;
  /** The TRACEPARENT an agent was started with, so its calls join its trace. */
  readonly traceparentOf?: (agentId: string) => string | null;
  /** Retires budget scopes from memory and snapshots after balances are published. */
  readonly janitor?: BudgetScopeJanitor | null;
  /** Hears of a failure in the work that follows a decision already given (a bug). */
  readonly afterFailed?: (error: unknown) => void;
}

/** Governs calls for every agent: one engine, one bus, one ledger. */
export class CallGovernor {
  readonly #engine: Decider;
  readonly #bus: EventBus;
  readonly #inflight = new Map<string, LlmCall>();
  readonly #balances: BalancePublisher;
  /** Stream filters of calls whose streamed text is being watched, opened at the first chunk. */
  readonly #streams = new Map<string, ChainedFilter | null>();
  readonly #metrics = new MetricsBoard();
  readonly #budgetOf: (agentId: string) => WireBudget | null;
  readonly #observer: CallObserver | null;
  readonly #traceparentOf: (agentId: string) => string | null;
  /** What follows decisions already given, waiting for the end of the turn's replies. */
  readonly #followUps: (() => void)[] = [];
  #followUpsDue = false;
  readonly #afterFailed: (error: unknown) => void;

  constructor(options: CallGovernorOptions) {
    this.#afterFailed = options.afterFailed ?? (() => undefined);
    this.#traceparentOf = options.traceparentOf ?? (() => null);
    this.#engine = options.engine;
    this.#bus = options.bus;
    this.#balances = new BalancePublisher(options.ledger, options.bus, options.janitor ?? null);
    this.#budgetOf = options.budgetOf ?? (() => null);
    this.#observer = options.observer ?? null;
  }

  // The observer only looks: its failure never touches a decision.
  #observe(look: (observer: CallObserver) => void): void {
    if (this.#observer === null) return;
    try {
      look(this.#observer);
    } catch {
      // A detail view that cannot be kept is not worth failing a call for.
    }
  }

  /** The live counters of an agent (created on first use). */
  metricsOf(agentId: string): CallMetrics {
    return this.#metrics.of(agentId);
  }

  /**
   * Decides about a request before it leaves the agent. `reply` gets the decision as soon as it is
   * known — in this very call when no policy and no budget hold had to be awaited — and only then
   * are its events published (in the order they would have had), its metrics counted and its call
   * details shown: once every reply decided in this turn has been written (`flushFollowUps` runs
   * them at once), or, without `reply`, before the decision is returned. Returns the decision, or
   * a promise of it.
   */
  request(agentId: string, message: LlmRequestMessage, reply: Reply = noReply): DecisionFields | Promise<DecisionFields> {
    const call = toCall(agentId, message);
    // Its place before anything the policies publish is taken now; it is built and scrubbed after the reply.
    this.#bus.publishLater(() => ({
      type: "llm.request",
      agentId,
      callId: call.id,
      provider: call.provider,
      endpoint: call.endpoint,
      model: call.model,
      stream: call.stream,
      estimatedInputTokens: call.estimatedTokens.input,
      maxOutputTokens: call.estimatedTokens.output,
      library: call.library,
      attrs: call.attrs,
      ...traceFields(call, this.#traceparentOf),
    }));
    const started = performance.now();
    const decided = this.#engine.decideRequest(call);
    // A hold is durable when the ledger's reserve answered (the SQLite store journals it first).
    if (isPromise(decided)) return decided.then((verdict) => this.#requestDecided(agentId, call, verdict, started, reply));
    return this.#requestDecided(agentId, call, decided, started, reply);
  }

  // The reply first; what the decision tells the bus, the metrics and the call details follows it.
  #requestDecided(agentId: string, call: LlmCall, verdict: Verdict, started: number, reply: Reply): DecisionFields {
    const ms = performance.now() - started;
    // A call admitted under a grant went out whatever the verdict (SPEC 3.4a): it reports back and settles.
    if (verdict.action !== "deny" || call.admitted !== undefined) this.#inflight.set(call.id, verdict.call ?? call);
    const decision = toDecision(call.id, verdict, this.#budgetOf(agentId));
    this.#replied(reply, decision, () => this.#requestAfter(agentId, call, verdict, ms));
    return decision;
  }

  #requestAfter(agentId: string, call: LlmCall, verdict: Verdict, ms: number): void {
    this.#bus.drain();
    this.#record(agentId, call, "request", verdict, ms);
    this.#metrics.countRequest(agentId, call.id, verdict);
    this.#observe((o) => {
      const sent = verdict.action !== "deny";
      const shown = sent ? (verdict.call ?? call) : call;
      o.request(call.id, agentId, shown.body, { provider: shown.provider, method: shown.method, url: verdict.url ?? shown.url, sent });
    });
    if (verdict.micros > 0) this.#balances.publishChanges();
  }

  // Without a `reply` (a caller that only awaits the decision) the follow-up runs before the
  // decision is returned. With one, it runs once the reply has left: a connection writes the
  // replies of a turn in one writev on process.nextTick (zmtp-connection.ts), so one nextTick
  // later every reply decided in this turn — a group commit of holds answers many at once, a read
  // may bring many frames — is in the kernel; then the follow-ups run, in order.
  #replied(reply: Reply, decision: DecisionFields, followUp: () => void): void {
    if (reply === noReply) return followUp();
    try {
      reply(decision);
    } finally {
      this.#followUps.push(followUp);
      if (!this.#followUpsDue) {
        this.#followUpsDue = true;
        process.nextTick(() => process.nextTick(() => this.flushFollowUps()));
      }
    }
  }

  /** Runs now what follows the decisions already given (their events, metrics, call details). */
  flushFollowUps(): void {
    this.#followUpsDue = false;
    for (let work = this.#followUps.shift(); work !== undefined; work = this.#followUps.shift()) {
      try {
        work();
      } catch (error) {
        this.#afterFailed(error);
      }
    }
  }

  /** Decides about a response before the agent sees it, and settles its cost; `reply` as for `request`. */
  response(agentId: string, message: LlmResponseMessage, reply: Reply = noReply): DecisionFields | Promise<DecisionFields> {
    const call = this.#inflight.get(message.call);
    if (call === undefined) {
      const unknown = { ...allowDecision(message.call), reason: "unknown call" };
      reply(unknown);
      return unknown;
    }
    this.#inflight.delete(message.call);
    this.#streams.delete(message.call);
    const result = toResult(message);
    const problem = usageProblem(result.usage);
    if (problem !== null)
      this.#bus.publish({ type: "llm.usage.rejected", agentId, callId: call.id, code: "IRON_ERR_USAGE_INVALID", reason: `reported usage not charged as it is (the call's worst case is): ${problem}` });
    const answered: Answered = { agentId, call, message, result, counted: problem === null ? result.usage : null, started: performance.now(), reply };
    const decided = this.#engine.decideResponse(call, result);
    if (isPromise(decided)) return decided.then((verdict) => this.#responseDecided(answered, verdict));
    return this.#responseDecided(answered, decided);
  }

  // The reply first; the response's events, metrics, call details and balances follow it.
  #responseDecided(answered: Answered, verdict: Verdict): DecisionFields {
    const ms = performance.now() - answered.started;
    const decision = toDecision(answered.call.id, verdict, this.#budgetOf(answered.agentId));
    this.#replied(answered.reply, decision, () => this.#responseAfter(answered, verdict, ms));
    return decision;
  }

  #responseAfter(answered: Answered, verdict: Verdict, ms: number): void {
    const { agentId, call, message, result } = answered;
    this.#record(agentId, call, "response", verdict, ms);
    if (message.reply === false && result.body !== null && (verdict.action === "redact" || verdict.action === "deny")) this.#releasedAnyway(agentId, call.id, verdict);
    this.#metrics.countResponse(agentId, call.id, verdict, answered.counted);
    this.#bus.publish({
      type: "llm.response",
      agentId,
      callId: call.id,
      model: result.model ?? call.model,
      status: result.status,
      usage: answered.counted,
      costMicros: verdict.micros,
      latencyMs: result.latencyMs,
      stream: result.stream,
      complete: result.complete,
      error: result.error,
      attrs: call.attrs,
      ...(message.finish_reasons !== undefined && message.finish_reasons.length > 0 ? { finishReasons: [...message.finish_reasons] } : finishFields(result.body)),
    });
    this.#observe((o) => {
      const denied = verdict.action === "deny";
      o.response(call.id, denied ? verdict.status : result.status, denied ? null : (verdict.output ?? result.output), verdict.action, result.stream);
    });
    this.#balances.publishChanges();
  }

  /**
   * Passes streamed text deltas (one, or every delta the shim read at once) through the output
   * filters; answers the text to emit, through `reply` first, then shows it to the call details and
   * publishes what the filters redacted or denied.
   */
  chunk(agentId: string, message: LlmChunkMessage, reply: Reply = noReply): DecisionFields {
    const call = this.#inflight.get(message.call);
    const texts = message.texts;
    const allowed = { ...allowDecision(message.call), text: message.text, ...(texts !== undefined && { texts }) };
    if (call === undefined || call.agentId !== agentId) {
      reply(allowed);
      return allowed;
    }
    let filter = this.#streams.get(call.id);
    if (filter === undefined) {
      filter = this.#engine.openStream(call);
      this.#streams.set(call.id, filter);
    }
    if (filter === null) {
      this.#replied(reply, allowed, () => {
        for (const text of texts ?? [message.text]) this.#observe((o) => o.streamText(call.id, text));
      });
      return allowed;
    }
    // Sent before the shim saw the deny (its asks are pipelined): nothing more is filtered, shown or published.
    if (filter === DENIED_STREAM) {
      const denied: DecisionFields = { ...allowed, action: "deny", text: "", ...(texts !== undefined && { texts: [] }) };
      this.#replied(reply, denied, () => undefined);
      return denied;
    }
    if (message.done) this.#streams.set(call.id, null);
    // A read the shim released without asking (SPEC 3.6a `released`): the filters follow it; no decision is sent.
    if (message.released === true) {
      const followed = filter.release(texts ?? [message.text], message.done);
      this.#replied(reply, allowed, () => this.#followed(agentId, call, followed));
      return allowed;
    }
    const verdicts: ChainedVerdict[] = [];
    const decision = texts === undefined ? singleDecision(allowed, filter, message, verdicts) : batchDecision(call.id, filter, texts, message.done, verdicts);
    if (decision.action === "deny") this.#streams.set(call.id, DENIED_STREAM);
    this.#replied(reply, decision, () => {
      for (const verdict of verdicts) this.#filtered(agentId, call, verdict);
    });
    return decision;
  }

  // A released read is shown to the call details; one a filter would have acted on after all (a chunk hint
  // that missed a value: a bug) is told, not kept quiet, as a released response is (#releasedAnyway).
  #followed(agentId: string, call: LlmCall, verdicts: readonly ChainedVerdict[]): void {
    for (const verdict of verdicts) this.#observe((o) => o.streamText(call.id, verdict.text));
    const acted = verdicts.find((v) => v.action !== "allow");
    if (acted === undefined) return;
    this.#missedHint(
      agentId,
      call.id,
      acted.policy,
      `a read of the stream was released before its chunk decision (no chunk hint matched), so this ${acted.action} was not applied: a chunk hint missed a match`,
    );
  }

  // What the agent receives is shown to the call details; a redact or deny is an llm.decision event.
  #filtered(agentId: string, call: LlmCall, verdict: ChainedVerdict): void {
    this.#observe((o) => o.streamText(call.id, verdict.text));
    if (verdict.action === "allow") return;
    this.#metrics.noteResponse(call.id, verdict.action, verdict.findings);
    this.#bus.publish({
      type: "llm.decision",
      agentId,
      callId: call.id,
      phase: "stream",
      action: verdict.action,
      policy: verdict.policy,
      code: verdict.code ?? null,
      reason: verdict.reason ?? null,
      status: null,
      micros: 0,
      ms: 0,
      attrs: call.attrs,
      ...(verdict.findings !== undefined && { findings: verdict.findings }),
    });
  }

  /** Forgets an agent's counters once nothing of it is left in flight (a joined agent evicted). */
  forgetAgent(agentId: string): void {
    this.abandon(agentId);
    this.#metrics.forget(agentId);
  }

  /** Releases the reservations of an agent's calls that will never report back. */
  abandon(agentId: string): void {
    let released = false;
    for (const [id, call] of this.#inflight) {
      if (call.agentId !== agentId) continue;
      this.#inflight.delete(id);
      this.#streams.delete(id);
      this.#engine.release(id);
      released = true;
    }
    if (released) this.#balances.publishChanges();
  }

  /** Publishes the balances still waiting to be coalesced (before the bus closes). */
  flushBalances(): void {
    this.flushFollowUps();
    this.#balances.flush();
  }

  // A read response the shim released at once (no response hint matched) that a policy redacts or
  // denies after all: the agent already has it.
  #releasedAnyway(agentId: string, callId: string, verdict: Verdict): void {
    this.#missedHint(
      agentId,
      callId,
      verdict.policy,
      `the response was released before its decision (no response hint matched), so this ${verdict.action} was not applied: a response hint missed a match`,
    );
  }

  // A hint that missed a match (a response or a stream's read went out unchecked) is a bug: it is told, not kept quiet.
  #missedHint(agentId: string, callId: string, policy: string | null, error: string): void {
    this.#bus.publish({ type: "policy.error", agentId, callId, policy: policy ?? "unknown", error, timedOut: false, ignored: true });
    this.#afterFailed(new Error(`call ${callId}: ${error}`));
  }

  #record(agentId: string, call: LlmCall, phase: "request" | "response", verdict: Verdict, ms: number): void {
    const callId = call.id;
    for (const failure of verdict.failures) this.#bus.publish({ type: "policy.error", agentId, callId, ...failure });
    this.#bus.publish({
      type: "llm.decision",
      agentId,
      callId,
      phase,
      action: verdict.action,
      policy: verdict.policy,
      code: verdict.code,
      reason: verdict.reason,
      status: verdict.status,
      micros: verdict.micros,
      ms: Math.round(ms * 1000) / 1000,
      attrs: call.attrs,
      ...(verdict.findings.length > 0 && { findings: verdict.findings }),
      ...(verdict.delayMs > 0 && { delayMs: verdict.delayMs }),
    });
    for (const warning of verdict.warnings) this.#bus.publish({ type: "budget.warning", ...warning, agentId, callId });
    if (verdict.exhausted !== null) this.#bus.publish({ type: "budget.exhausted", ...verdict.exhausted, agentId, callId, reason: verdict.reason ?? "" });
  }
}
