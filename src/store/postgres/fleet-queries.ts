// Looking back over a whole fleet: the call ledger and the agents of every supervisor on one
// database, each with the supervisor (host and pid) that ran it. Totals are summed here over
// exactly the calls listed, as the SQLite ledger's are.
import type pg from "pg";
import { OUTCOME_SQL } from "../../events/call-outcome.js";
import type { AgentSummary, CallFilter, LedgerCall, LedgerReport, Totals } from "../sqlite/ledger-queries.js";
import { clientConfig, pgStoreError, quietPool } from "./pg-connect.js";
import { migrateSchema } from "./pg-schema.js";

/** A call or agent of the fleet, with the supervisor that ran it as `host/pid`. */
export type FleetCall = LedgerCall & { readonly supervisor: string };
export type FleetAgent = AgentSummary & { readonly supervisor: string };

/** A call's outcome, by the one definition the state file's ledger and the run summary use. */
const OUTCOME = OUTCOME_SQL;

/** One short-lived connection for a command; the schema is brought up to date first. */
export async function withFleet<T>(url: string, body: (pool: pg.Pool) => Promise<T>, doing = "reading the fleet's ledger"): Promise<T> {
  const pool = quietPool({ ...clientConfig(url), max: 1 });
  try {
    await migrateSchema(pool);
    return await body(pool);
  } catch (error) {
    throw pgStoreError(error, url, doing);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** The fleet's calls matching a filter, oldest first, with totals over them. */
export function queryFleetCalls(url: string, filter: CallFilter = {}): Promise<LedgerReport & { calls: readonly FleetCall[] }> {
  return withFleet(url, async (pool) => {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (filter.agents !== undefined && filter.agents.length > 0) where.push(`c.agent_id = ANY(${param(filter.agents)})`);
    if (filter.models !== undefined && filter.models.length > 0) {
      const models = param(filter.models);
      where.push(`(c.model = ANY(${models}) OR c.response_model = ANY(${models}))`);
    }
    if (filter.outcomes !== undefined && filter.outcomes.length > 0) where.push(`(${OUTCOME}) = ANY(${param(filter.outcomes)})`);
    for (const [key, value] of Object.entries(filter.attrs ?? {})) where.push(`c.attrs::jsonb ->> ${param(key)} = ${param(value)}`);
    if (filter.since !== undefined) where.push(`c.requested_at >= ${param(filter.since)}`);
    const { rows } = await pool.query<Record<string, unknown>>(
      `SELECT c.*, ${OUTCOME} AS outcome, s.host AS sup_host, s.pid AS sup_pid FROM calls c JOIN supervisors s ON s.id = c.supervisor_id
       ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY c.requested_at DESC, c.call_id DESC
       ${filter.limit !== undefined ? `LIMIT ${Math.floor(filter.limit)}` : ""}`,
      params,
    );
    const calls = rows.reverse().map(toFleetCall);
    const byModel: Record<string, Totals> = {};
    const byAgent: Record<string, Totals> = {};
    const overall = emptyTotals();
    for (const call of calls) {
      const model = call.responseModel ?? call.model ?? "?";
      const ofModel = byModel[model] ?? emptyTotals();
      const ofAgent = byAgent[call.agentId] ?? emptyTotals();
      byModel[model] = ofModel;
      byAgent[call.agentId] = ofAgent;
      for (const t of [overall, ofModel, ofAgent]) add(t, call);
    }
    return { calls, totals: { ...overall, byModel: sorted(byModel), byAgent: sorted(byAgent) } };
  });
}

/** Every agent of every supervisor on the database, newest first, with its calls' totals. */
export function listFleetAgents(url: string): Promise<FleetAgent[]> {
  return withFleet(url, async (pool) => {
    const { rows } = await pool.query<Record<string, unknown>>(
      `SELECT a.*, s.host AS sup_host, s.pid AS sup_pid, s.ended_at AS sup_ended,
         (SELECT count(*) FROM calls c WHERE c.supervisor_id = a.supervisor_id AND c.agent_id = a.agent_id) AS calls,
         (SELECT coalesce(sum(cost_micros), 0) FROM calls c WHERE c.supervisor_id = a.supervisor_id AND c.agent_id = a.agent_id) AS cost,
         (SELECT coalesce(sum(input_tokens), 0) FROM calls c WHERE c.supervisor_id = a.supervisor_id AND c.agent_id = a.agent_id) AS tin,
         (SELECT coalesce(sum(output_tokens), 0) FROM calls c WHERE c.supervisor_id = a.supervisor_id AND c.agent_id = a.agent_id) AS tout
       FROM agents a JOIN supervisors s ON s.id = a.supervisor_id ORDER BY a.last_seen DESC`,
    );
    return rows.map((r) => ({
      agentId: r.agent_id as string,
      kind: r.kind === "joined" ? ("joined" as const) : ("spawned" as const),
      pid: (r.pid as number | null) ?? null,
      host: (r.host as string | null) ?? (r.sup_host as string),
      python: (r.python as string | null) ?? null,
      // A run still open when its supervisor stopped is lost, as in a state file.
      state: r.sup_ended !== null && !["stopped", "crashed", "failed", "exited", "killed", "reaped"].includes(r.state as string) ? "lost" : (r.state as string),
      runs: Number(r.runs),
      firstSeen: Number(r.first_seen),
      lastSeen: Number(r.last_seen),
      lastExitCode: null,
      lastSignal: null,
      lastReason: (r.last_reason as string | null) ?? null,
      calls: Number(r.calls),
      costMicros: Number(r.cost),
      inputTokens: Number(r.tin),
      outputTokens: Number(r.tout),
      supervisor: `${r.sup_host as string}/${Number(r.sup_pid)}`,
    }));
  });
}

function toFleetCall(r: Record<string, unknown>): FleetCall {
  return {
    callId: r.call_id as string,
    agentId: r.agent_id as string,
    provider: r.provider as string,
    endpoint: r.endpoint as string,
    model: (r.model as string | null) ?? null,
    responseModel: (r.response_model as string | null) ?? null,
    library: r.library as string,
    stream: r.stream === true,
    requestedAt: Number(r.requested_at),
    attrs: JSON.parse(r.attrs as string) as Record<string, string>,
    decision: (r.decision as string | null) ?? null,
    policy: (r.policy as string | null) ?? null,
    code: (r.code as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    responseAction: (r.response_action as string | null) ?? null,
    status: (r.status as number | null) ?? null,
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costMicros: Number(r.cost_micros),
    latencyMs: (r.latency_ms as number | null) ?? null,
    complete: (r.complete as boolean | null) ?? null,
    error: (r.error as string | null) ?? null,
    outcome: r.outcome as string,
    redactedValues: Number(r.redacted_values),
    supervisor: `${r.sup_host as string}/${Number(r.sup_pid)}`,
  };
}

function emptyTotals(): Totals {
  return { calls: 0, allowed: 0, modified: 0, denied: 0, redacted: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
}

function add(t: Totals, c: FleetCall): void {
  const m = t as { -readonly [K in keyof Totals]: number };
  m.calls += 1;
  if (c.outcome === "allow") m.allowed += 1;
  if (c.outcome === "modify") m.modified += 1;
  if (c.outcome === "deny") m.denied += 1;
  if (c.outcome === "redact") m.redacted += 1;
  m.inputTokens += c.inputTokens;
  m.outputTokens += c.outputTokens;
  m.costMicros += c.costMicros;
}

function sorted(groups: Record<string, Totals>): Record<string, Totals> {
  return Object.fromEntries(Object.entries(groups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
