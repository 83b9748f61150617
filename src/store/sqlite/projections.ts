// Keeps the queryable tables (call ledger, agents, runs, breakers) in step with the event
// log: applied to each event inside the same transaction that appends it.
import type { IronEvent } from "../../events/types.js";
import type { Db } from "./database.js";

/** Agent states after which a run is over. */
const TERMINAL = new Set(["stopped", "crashed", "failed", "exited", "killed", "reaped", "lost"]);

/** Applies events to the projection tables with prepared statements. */
export class Projector {
  readonly #insertCall;
  readonly #insertDecidedCall;
  readonly #requestDecision;
  readonly #responseDecision;
  readonly #response;
  readonly #upsertAgent;
  readonly #agentPid;
  readonly #joinAgent;
  readonly #startRun;
  readonly #updateRun;
  readonly #upsertBreaker;
  readonly #addRedacted;
  readonly #touchCall;
  readonly #agentPython;

  constructor(db: Db) {
    this.#insertCall = db.prepare(
      `INSERT OR IGNORE INTO calls (call_id, supervisor_id, agent_id, provider, endpoint, model, library, stream, attrs, requested_at, first_seq, last_seq)
       VALUES (@callId, @supervisorId, @agentId, @provider, @endpoint, @model, @library, @stream, @attrs, @ts, @seq, @seq)`,
    );
    this.#insertDecidedCall = db.prepare(
      `INSERT OR IGNORE INTO calls (call_id, supervisor_id, agent_id, provider, endpoint, model, library, stream, attrs, requested_at, first_seq, last_seq,
         decision, policy, code, reason, reserved_micros, status)
       VALUES (@callId, @supervisorId, @agentId, @provider, @endpoint, @model, @library, @stream, @attrs, @ts, @seq, @decisionSeq,
         @action, @policy, @code, @reason, @micros, CASE WHEN @action = 'deny' THEN @status ELSE NULL END)`,
    );
    this.#requestDecision = db.prepare(
      `UPDATE calls SET decision = @action, policy = @policy, code = @code, reason = @reason, reserved_micros = @micros,
         status = CASE WHEN @action = 'deny' THEN @status ELSE status END, last_seq = @seq
       WHERE call_id = @callId`,
    );
    this.#responseDecision = db.prepare(
      `UPDATE calls SET response_action = @action, response_policy = @policy,
         code = COALESCE(code, @code), reason = COALESCE(reason, @reason),
         status = CASE WHEN @action = 'deny' AND @status IS NOT NULL THEN @status ELSE status END
       WHERE call_id = @callId AND (response_action IS NULL OR response_action = 'allow')`,
    );
    this.#touchCall = db.prepare("UPDATE calls SET last_seq = ? WHERE call_id = ?");
    this.#addRedacted = db.prepare("UPDATE calls SET redacted_values = redacted_values + ? WHERE call_id = ?");
    this.#response = db.prepare(
      `UPDATE calls SET status = CASE WHEN response_action = 'deny' THEN status ELSE @status END, response_model = @model,
         input_tokens = @inputTokens, output_tokens = @outputTokens, cached_input_tokens = @cachedInputTokens,
         reasoning_tokens = @reasoningTokens, cost_micros = @costMicros, latency_ms = @latencyMs, complete = @complete,
         error = @error, responded_at = @ts, last_seq = @seq
       WHERE call_id = @callId`,
    );
    this.#upsertAgent = db.prepare(
      `INSERT INTO agents (agent_id, first_seen, last_seen, state, runs, last_reason) VALUES (@agentId, @ts, @ts, @to, @run, @reason)
       ON CONFLICT (agent_id) DO UPDATE SET last_seen = @ts, state = @to, runs = MAX(runs, @run), last_reason = @reason`,
    );
    this.#agentPid = db.prepare(`UPDATE agents SET pid = @pid WHERE agent_id = @agentId`);
    this.#agentPython = db.prepare("UPDATE agents SET python = ? WHERE agent_id = ?");
    this.#joinAgent = db.prepare(
      `INSERT INTO agents (agent_id, first_seen, last_seen, state, runs, kind, pid, host, python) VALUES (@agentId, @ts, @ts, 'running', @run, 'joined', @pid, @host, @python)
       ON CONFLICT (agent_id) DO UPDATE SET last_seen = @ts, kind = 'joined', pid = @pid, host = @host, python = @python`,
    );
    this.#startRun = db.prepare(
      `INSERT INTO runs (supervisor_id, agent_id, run, pid, state, started_at) VALUES (@supervisorId, @agentId, @run, @pid, @to, @ts)
       ON CONFLICT (supervisor_id, agent_id, run) DO UPDATE SET state = @to, pid = COALESCE(@pid, pid)`,
    );
    this.#updateRun = db.prepare(
      `UPDATE runs SET state = @to, pid = COALESCE(@pid, pid),
         ended_at = CASE WHEN @terminal THEN @ts ELSE ended_at END,
         exit_code = COALESCE(@exitCode, exit_code), signal = COALESCE(@signal, signal),
         reason = CASE WHEN @terminal THEN @reason ELSE reason END
       WHERE supervisor_id = @supervisorId AND agent_id = @agentId AND run = @run`,
    );
    this.#upsertBreaker = db.prepare(
      `INSERT INTO breakers (provider, model, state, since, reason) VALUES (@provider, @model, @to, @ts, @reason)
       ON CONFLICT (provider, model) DO UPDATE SET state = @to, since = @ts, reason = @reason`,
    );
  }

  /**
   * Updates the tables a batch of events concerns, in order, with fewer statements than one
   * event at a time would need and the same rows at the end of the batch's transaction: a call's
   * `last_seq` is set by its last event of the batch (an earlier event of it skips its own touch),
   * and a request whose next event is its request decision is one INSERT with the decision in it.
   */
  applyBatch(batch: readonly IronEvent[], supervisorId: number): void {
    const next = nextOfSameCall(batch);
    for (let i = 0; i < batch.length; i += 1) {
      const event = batch[i] as IronEvent;
      const j = next[i] as number;
      if (j === FOLDED) continue;
      const later = j >= 0;
      if (event.type === "llm.request" && later) {
        const decision = batch[j] as IronEvent;
        if (decision.type === "llm.decision" && decision.phase === "request" && typeof decision.micros === "number") {
          this.#requestWithDecision(event, decision, supervisorId);
          next[j] = FOLDED;
          continue;
        }
      }
      this.apply(event, supervisorId, later);
    }
  }

  // A request and its decision at once; a call already known (the INSERT ignored) is updated as the decision alone would.
  #requestWithDecision(request: IronEvent<"llm.request">, decision: IronEvent<"llm.decision">, supervisorId: number): void {
    const params = {
      callId: request.callId,
      agentId: request.agentId,
      provider: request.provider,
      endpoint: request.endpoint,
      model: request.model ?? null,
      library: request.library,
      ts: request.ts,
      seq: request.seq,
      supervisorId,
      stream: request.stream ? 1 : 0,
      attrs: JSON.stringify(request.attrs),
      decisionSeq: decision.seq,
      action: decision.action,
      policy: decision.policy ?? null,
      code: decision.code ?? null,
      reason: decision.reason ?? null,
      status: decision.status ?? null,
      micros: decision.micros,
    };
    if (this.#insertDecidedCall.run(params).changes === 0)
      this.#requestDecision.run({
        callId: params.callId,
        action: params.action,
        policy: params.policy,
        code: params.code,
        reason: params.reason,
        status: params.status,
        micros: params.micros,
        seq: decision.seq,
      });
    this.#redacted(decision);
  }

  #redacted(event: IronEvent<"llm.decision">): void {
    // A request's redaction is decided as `modify`: the values redacted say it was one.
    const redacted = event.findings?.filter((f) => f.action === "redact").length ?? 0;
    if (redacted > 0) this.#addRedacted.run(redacted, event.callId);
  }

  /**
   * Updates the tables an event concerns (most events only live in the log); `later`: a later
   * event of the same call is in the same batch and sets its `last_seq`, so this one need not.
   */
  apply(event: IronEvent, supervisorId: number, later = false): void {
    switch (event.type) {
      case "llm.request": {
        // The hot cases bind one literal each (no picked copy spread into another): less garbage per event.
        const params = {
          callId: event.callId,
          agentId: event.agentId,
          provider: event.provider,
          endpoint: event.endpoint,
          model: event.model ?? null,
          library: event.library,
          ts: event.ts,
          seq: event.seq,
          supervisorId,
          stream: event.stream ? 1 : 0,
          attrs: JSON.stringify(event.attrs),
        };
        if (this.#insertCall.run(params).changes === 0 && !later) this.#touchCall.run(event.seq, event.callId); // the call was known already
        return;
      }
      case "llm.decision": {
        const params = {
          callId: event.callId,
          action: event.action,
          policy: event.policy ?? null,
          code: event.code ?? null,
          reason: event.reason ?? null,
          status: event.status ?? null,
          micros: event.micros ?? null,
          seq: event.seq,
        };
        if (event.phase === "request") this.#requestDecision.run(params);
        else {
          if (!later) this.#touchCall.run(event.seq, event.callId);
          if (event.action !== "allow") this.#responseDecision.run(params);
        }
        this.#redacted(event);
        return;
      }
      case "llm.response":
        this.#response.run({
          callId: event.callId,
          status: event.status ?? null,
          model: event.model ?? null,
          costMicros: event.costMicros ?? null,
          latencyMs: event.latencyMs ?? null,
          error: event.error ?? null,
          ts: event.ts,
          seq: event.seq,
          inputTokens: event.usage?.inputTokens ?? 0,
          outputTokens: event.usage?.outputTokens ?? 0,
          cachedInputTokens: event.usage?.cachedInputTokens ?? 0,
          reasoningTokens: event.usage?.reasoningTokens ?? 0,
          complete: event.complete ? 1 : 0,
        });
        return;
      case "agent.state": {
        const params = {
          ...pick(event, "agentId", "run", "to", "reason", "pid", "exitCode", "signal", "ts"),
          supervisorId,
          terminal: TERMINAL.has(event.to) ? 1 : 0,
        };
        this.#upsertAgent.run(params);
        if (event.pid !== null) this.#agentPid.run(params);
        if (event.python !== undefined) this.#agentPython.run(event.python, event.agentId);
        // A run starts with `starting`; a later state updates it (or starts it, if its start was never seen).
        if (event.to === "starting" || this.#updateRun.run(params).changes === 0) this.#startRun.run(params);
        return;
      }
      case "agent.joined":
        this.#joinAgent.run(pick(event, "agentId", "run", "pid", "host", "python", "ts"));
        return;
      case "breaker.state":
        this.#upsertBreaker.run({ ...pick(event, "provider", "to", "reason", "ts"), model: event.model ?? "" });
        return;
      default:
        // Any other event of a call (budget warnings, policy errors, …) widens the call's seq range.
        if (!later && "callId" in event && typeof event.callId === "string") this.#touchCall.run(event.seq, event.callId);
        return;
    }
  }
}

/** In `nextOfSameCall`: no later event of the call in the batch; or a decision already written with its request. */
const NONE = -1;
const FOLDED = -2;

/**
 * For each event of a batch, the index of the next event of the same call in it, or NONE (also
 * for events of no call). Every event of a call sets the call's `last_seq` (an INSERT, an UPDATE
 * of the decision or response, or a touch), so only the last one of a batch needs to.
 */
function nextOfSameCall(batch: readonly IronEvent[]): Int32Array {
  const next = new Int32Array(batch.length).fill(NONE);
  const last = new Map<string, number>();
  for (let i = 0; i < batch.length; i += 1) {
    const callId = (batch[i] as { callId?: unknown }).callId;
    if (typeof callId !== "string") continue;
    const before = last.get(callId);
    if (before !== undefined) next[before] = i;
    last.set(callId, i);
  }
  return next;
}

// SQLite binds only what a statement names; this picks the fields, mapping undefined to null.
function pick<T extends object, K extends keyof T>(event: T, ...keys: K[]): Record<K, unknown> {
  const out = {} as Record<K, unknown>;
  for (const key of keys) out[key] = event[key] ?? null;
  return out;
}
