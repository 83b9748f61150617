// Looking back: the call ledger and the agents of a state file, filtered, with totals by model
// and by agent computed by SQLite over exactly the calls listed.
import type { CallRecord } from "../store.js";
import { OUTCOME_SQL } from "../../events/call-outcome.js";
import type { Db } from "./database.js";
import { CALL_COLUMNS, toCallRecord } from "./rows.js";

/** Which calls to list; every given filter must match. */
export interface CallFilter {
  readonly agents?: readonly string[];
  /** Matches the model asked for or the model that answered. */
  readonly models?: readonly string[];
  /** `allow`, `modify`, `deny`, `redact` or `pending`: the call's outcome. */
  readonly outcomes?: readonly string[];
  /** Attribution (iron_shim.context()): every key must have exactly this value. */
  readonly attrs?: Readonly<Record<string, string>>;
  /** Unix ms: only calls requested at or after. */
  readonly since?: number;
  /** Only the most recent N (the totals cover the same N). */
  readonly limit?: number;
}

/**
 * A call with its outcome: deny (request or response), redact (values redacted in the request or
 * the response), modify, allow, or pending; and how many values were redacted (SQLite only).
 */
export type LedgerCall = CallRecord & { readonly outcome: string };

export interface Totals {
  readonly calls: number;
  readonly allowed: number;
  readonly modified: number;
  readonly denied: number;
  readonly redacted: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: number;
}

export interface LedgerReport {
  readonly calls: readonly LedgerCall[];
  readonly totals: Totals & { readonly byModel: Readonly<Record<string, Totals>>; readonly byAgent: Readonly<Record<string, Totals>> };
}

const TOTALS = `COUNT(*) AS calls, SUM(outcome = 'allow') AS allowed, SUM(outcome = 'modify') AS modified, SUM(outcome = 'deny') AS denied,
  SUM(outcome = 'redact') AS redacted, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens, SUM(cost_micros) AS costMicros`;

/** The calls matching a filter, oldest first, with totals over them. */
export function queryCalls(db: Db, filter: CallFilter = {}): LedgerReport {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const anyOf = (column: string, values: readonly string[] | undefined): void => {
    if (values === undefined || values.length === 0) return;
    where.push(`${column} IN (${values.map(() => "?").join(", ")})`);
    params.push(...values);
  };
  anyOf("agent_id", filter.agents);
  if (filter.models !== undefined && filter.models.length > 0) {
    const marks = filter.models.map(() => "?").join(", ");
    where.push(`(model IN (${marks}) OR response_model IN (${marks}))`);
    params.push(...filter.models, ...filter.models);
  }
  anyOf(`(${OUTCOME_SQL})`, filter.outcomes);
  for (const [key, value] of Object.entries(filter.attrs ?? {})) {
    where.push("json_extract(attrs, ?) = ?");
    params.push(`$.${JSON.stringify(key)}`, value);
  }
  if (filter.since !== undefined) {
    where.push("requested_at >= ?");
    params.push(filter.since);
  }
  const selected = `SELECT *, ${OUTCOME_SQL} AS outcome, COALESCE(response_model, model, '?') AS billed_model FROM calls
    ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY requested_at DESC, rowid DESC ${filter.limit !== undefined ? `LIMIT ${Math.floor(filter.limit)}` : ""}`;
  const rows = db.prepare<unknown[], Record<string, unknown>>(`SELECT ${CALL_COLUMNS}, outcome FROM (${selected})`).all(...params);
  const grouped = (key: string): Record<string, Totals> => {
    const out: Record<string, Totals> = {};
    const sql = `SELECT ${key} AS k, ${TOTALS} FROM (${selected}) GROUP BY ${key} ORDER BY ${key}`;
    for (const row of db.prepare<unknown[], Record<string, unknown>>(sql).all(...params)) out[row.k as string] = toTotals(row);
    return out;
  };
  const overall = db.prepare<unknown[], Record<string, unknown>>(`SELECT ${TOTALS} FROM (${selected})`).get(...params) ?? {};
  return {
    calls: rows.reverse().map((row) => ({ ...toCallRecord(row), outcome: row.outcome as string })),
    totals: { ...toTotals(overall), byModel: grouped("billed_model"), byAgent: grouped("agent_id") },
  };
}

function toTotals(row: Record<string, unknown>): Totals {
  const n = (key: string): number => Number(row[key] ?? 0);
  return {
    calls: n("calls"),
    allowed: n("allowed"),
    modified: n("modified"),
    denied: n("denied"),
    redacted: n("redacted"),
    inputTokens: n("inputTokens"),
    outputTokens: n("outputTokens"),
    costMicros: n("costMicros"),
  };
}

/** One agent as `iron agents` lists it. */
export interface AgentSummary {
  readonly agentId: string;
  /** `spawned` by iron, or `joined` on its own with the join token (iron serve). */
  readonly kind: "spawned" | "joined";
  /** Its latest process id, host (a spawned agent's: its supervisor's) and interpreter version (a spawned agent's: as checked at its start). */
  readonly pid: number | null;
  readonly host: string | null;
  readonly python: string | null;
  /** Last known state; `lost` when its supervisor died with the run still open. */
  readonly state: string;
  readonly runs: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly lastExitCode: number | null;
  readonly lastSignal: string | null;
  readonly lastReason: string | null;
  readonly calls: number;
  readonly costMicros: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Every agent the state file has seen, with its runs and its calls' totals; the state is its latest run's. */
export function listAgents(db: Db): AgentSummary[] {
  const sql = `
    WITH latest AS (
      SELECT r.agent_id, r.state, r.ended_at, r.exit_code, r.signal, s.ended_at AS supervisor_ended, s.host AS supervisor_host,
        ROW_NUMBER() OVER (PARTITION BY r.agent_id ORDER BY r.started_at DESC, r.supervisor_id DESC, r.run DESC) AS n
      FROM runs r JOIN supervisors s ON s.id = r.supervisor_id
    )
    SELECT a.agent_id, a.kind, a.pid, COALESCE(a.host, l.supervisor_host) AS host, a.python, a.first_seen, a.last_seen, a.last_reason,
      CASE WHEN l.agent_id IS NULL THEN a.state WHEN l.ended_at IS NULL AND l.supervisor_ended IS NOT NULL THEN 'lost'
           WHEN l.ended_at IS NOT NULL THEN l.state ELSE a.state END AS state,
      l.exit_code, l.signal,
      (SELECT COUNT(*) FROM runs r WHERE r.agent_id = a.agent_id) AS runs,
      (SELECT COUNT(*) FROM calls c WHERE c.agent_id = a.agent_id) AS calls,
      (SELECT COALESCE(SUM(cost_micros), 0) FROM calls c WHERE c.agent_id = a.agent_id) AS cost,
      (SELECT COALESCE(SUM(input_tokens), 0) FROM calls c WHERE c.agent_id = a.agent_id) AS tin,
      (SELECT COALESCE(SUM(output_tokens), 0) FROM calls c WHERE c.agent_id = a.agent_id) AS tout
    FROM agents a LEFT JOIN latest l ON l.agent_id = a.agent_id AND l.n = 1
    ORDER BY a.last_seen DESC`;
  return db
    .prepare<[], Record<string, unknown>>(sql)
    .all()
    .map((row) => ({
      agentId: row.agent_id as string,
      kind: row.kind === "joined" ? ("joined" as const) : ("spawned" as const),
      pid: (row.pid as number | null) ?? null,
      host: (row.host as string | null) ?? null,
      python: (row.python as string | null) ?? null,
      state: row.state as string,
      runs: Number(row.runs),
      firstSeen: row.first_seen as number,
      lastSeen: row.last_seen as number,
      lastExitCode: (row.exit_code as number | null) ?? null,
      lastSignal: (row.signal as string | null) ?? null,
      lastReason: (row.last_reason as string | null) ?? null,
      calls: Number(row.calls),
      costMicros: Number(row.cost),
      inputTokens: Number(row.tin),
      outputTokens: Number(row.tout),
    }));
}
