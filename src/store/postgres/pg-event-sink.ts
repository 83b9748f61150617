// The fleet's event writer: events of one turn of the event loop are committed in one
// transaction (with the call, agent and breaker rows they change), never on the decision's
// path, and handed to the bus only once committed. A failed batch is kept and retried.
import type pg from "pg";
import type { EventSink } from "../../events/bus.js";
import type { IronEvent } from "../../events/types.js";
import type { BreakerRecord } from "../store.js";
import { foldEvent, type AgentRow, type FleetCallRow } from "./call-fold.js";
import { inTransaction } from "./lease-sql.js";

/** How many of this supervisor's recent calls and events stay in memory for its own reads. */
const WINDOW = 2000;

export interface PgEventSinkContext {
  readonly pool: pg.Pool;
  readonly supervisorId: number;
  readonly host: string;
  readonly onError: (error: unknown, doing: string) => void;
}

/** Appends events and their rows in batches; keeps a recent window for synchronous reads. */
export class PgEventSink implements EventSink {
  readonly lastSeq = 0;
  readonly calls = new Map<string, FleetCallRow>();
  readonly agents = new Map<string, AgentRow>();
  readonly breakers = new Map<string, BreakerRecord>();
  readonly recent: IronEvent[] = [];
  readonly #c: PgEventSinkContext;
  #pending: IronEvent[] = [];
  #deliver: (batch: readonly IronEvent[]) => void = () => undefined;
  #committed = 0;
  #writing: Promise<void> | null = null;
  #scheduled = false;
  #retryMs = 100;
  #stopped = false;

  constructor(context: PgEventSinkContext) {
    this.#c = context;
  }

  get lastCommitted(): number {
    return this.#committed;
  }

  append(event: IronEvent): void {
    this.#pending.push(event);
    this.schedule();
  }

  onCommit(deliver: (batch: readonly IronEvent[]) => void): void {
    this.#deliver = deliver;
  }

  /** Asks for a batch on the next turn of the event loop. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.drain();
    });
  }

  flush(): void {
    void this.drain();
  }

  /** Commits everything pending (retrying a failed batch) and resolves once it is delivered. */
  async drain(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
    if (this.#pending.length === 0) return;
    this.#writing = this.#commitPending();
    try {
      await this.#writing;
    } finally {
      this.#writing = null;
    }
    if (this.#pending.length > 0) await this.drain();
  }

  async #commitPending(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const changed = { calls: new Set<string>(), agents: new Set<string>(), breakers: new Set<string>() };
    for (const event of batch) {
      const kind = foldEvent(event, this, this.#c.host);
      if (kind === "call") changed.calls.add((event as { callId: string }).callId);
      else if (kind === "agent") changed.agents.add((event as { agentId: string }).agentId);
      else if (kind === "breaker") changed.breakers.add(`${(event as { provider: string }).provider}\u0000${(event as { model: string }).model}`);
    }
    for (;;) {
      try {
        await inTransaction(this.#c.pool, (c) => this.#write(c, batch, changed));
        break;
      } catch (error) {
        this.#c.onError(error, "writing events");
        if (this.#stopped) return;
        await new Promise((r) => setTimeout(r, this.#retryMs));
        this.#retryMs = Math.min(5000, this.#retryMs * 2);
      }
    }
    this.#retryMs = 100;
    this.#committed = batch[batch.length - 1]?.seq ?? this.#committed;
    this.recent.push(...batch);
    if (this.recent.length > WINDOW) this.recent.splice(0, this.recent.length - WINDOW);
    while (this.calls.size > WINDOW) this.calls.delete(this.calls.keys().next().value as string);
    this.#deliver(batch);
  }

  /** Stops retrying (the store is closing and could not write in time); what is pending is lost. */
  stop(): void {
    this.#stopped = true;
    this.#pending = [];
  }

  async #write(c: pg.PoolClient, batch: readonly IronEvent[], changed: { calls: Set<string>; agents: Set<string>; breakers: Set<string> }): Promise<void> {
    const me = this.#c.supervisorId;
    await c.query(
      `INSERT INTO events (supervisor_id, seq, ts, type, agent_id, data)
       SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[]) ON CONFLICT DO NOTHING`,
      [
        me,
        batch.map((e) => e.seq),
        batch.map((e) => e.ts),
        batch.map((e) => e.type),
        batch.map((e) => ("agentId" in e && typeof e.agentId === "string" ? e.agentId : null)),
        batch.map((e) => JSON.stringify(e)),
      ],
    );
    for (const id of changed.calls) {
      const r = this.calls.get(id);
      if (r === undefined) continue;
      await c.query(
        `INSERT INTO calls (call_id, supervisor_id, agent_id, provider, endpoint, model, response_model, library, stream, attrs, requested_at,
           decision, policy, code, reason, response_action, status, input_tokens, output_tokens, cost_micros, latency_ms, complete, error, redacted_values)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24)
         ON CONFLICT (call_id) DO UPDATE SET response_model = $7, decision = $12, policy = $13, code = $14, reason = $15, response_action = $16,
           status = $17, input_tokens = $18, output_tokens = $19, cost_micros = $20, latency_ms = $21, complete = $22, error = $23, redacted_values = $24`,
        [
          r.callId,
          me,
          r.agentId,
          r.provider,
          r.endpoint,
          r.model,
          r.responseModel,
          r.library,
          r.stream,
          JSON.stringify(r.attrs),
          r.requestedAt,
          r.decision,
          r.policy,
          r.code,
          r.reason,
          r.responseAction,
          r.status,
          r.inputTokens,
          r.outputTokens,
          r.costMicros,
          r.latencyMs,
          r.complete,
          r.error,
          r.redactedValues,
        ],
      );
    }
    for (const id of changed.agents) {
      const a = this.agents.get(id);
      if (a === undefined) continue;
      await c.query(
        `INSERT INTO agents (supervisor_id, agent_id, first_seen, last_seen, state, runs, last_reason, kind, pid, host, python) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
         ON CONFLICT (supervisor_id, agent_id) DO UPDATE SET last_seen = $4, state = $5, runs = $6, last_reason = $7, kind = $8, pid = $9, host = $10, python = $11`,
        [me, a.agentId, a.firstSeen, a.lastSeen, a.state, a.runs, a.lastReason, a.kind, a.pid, a.host, a.python],
      );
    }
    for (const id of changed.breakers) {
      const b = this.breakers.get(id);
      if (b === undefined) continue;
      await c.query(
        `INSERT INTO breakers (provider, model, state, since, reason) VALUES ($1,$2,$3,$4,$5)
         ON CONFLICT (provider, model) DO UPDATE SET state = $3, since = $4, reason = $5`,
        [b.provider, b.model ?? "", b.state, b.since, b.reason],
      );
    }
  }
}
