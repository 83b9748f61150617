// `iron watch --state postgres://…`: the whole fleet live, from the events table every
// supervisor writes. Polls by seq per supervisor (an index lookup each), so nothing a
// supervisor wrote late (a batch held back while the database was away) is skipped.
import type pg from "pg";
import { StateProjection } from "../../events/projection.js";
import type { IronEvent } from "../../events/types.js";
import { openPool } from "../../store/postgres/pg-connect.js";
import { eventLine } from "./watch-lines.js";

/** How often the fleet's events are polled. */
const POLL_MS = 250;

export interface FleetWatchOptions {
  readonly json: boolean;
  readonly agents: readonly string[];
  readonly types: readonly string[];
  /** Replay each supervisor's events after this seq; null: only what happens from now on. */
  readonly since: number | null;
}

interface Row {
  readonly id: number;
  readonly host: string;
  readonly pid: number;
  readonly seq: number;
  readonly data: string;
}

// Events of every supervisor that is running (or stopped since the watch began), after each one's cursor.
const NEWER = `SELECT s.id, s.host, s.pid, e.seq, e.data FROM supervisors s
  CROSS JOIN LATERAL (SELECT seq, data FROM events WHERE supervisor_id = s.id AND seq > COALESCE(($1::jsonb ->> s.id::text)::bigint, $2) ORDER BY seq LIMIT 500) e
  WHERE s.ended_at IS NULL OR s.ended_at >= $3 ORDER BY s.id, e.seq`;

function matches(event: IronEvent, options: FleetWatchOptions): boolean {
  if (options.agents.length > 0 && !("agentId" in event && options.agents.includes(event.agentId as string))) return false;
  if (options.types.length === 0) return true;
  return options.types.some((t) => (t.endsWith("*") ? event.type.startsWith(t.slice(0, -1)) : event.type === t));
}

/** Follows every supervisor on the database until `signal` aborts; each line names its supervisor (host/pid). */
export async function followFleet(url: string, options: FleetWatchOptions, signal: AbortSignal, write: (line: string) => void): Promise<void> {
  const pool = await openPool(url, 1);
  try {
    const startedAt = Date.now();
    const cursor: Record<string, number> = {};
    if (options.since === null) {
      const { rows } = await pool.query<{ id: number; seq: number }>("SELECT supervisor_id AS id, max(seq) AS seq FROM events GROUP BY supervisor_id").catch(noTablesYet);
      for (const r of rows) cursor[String(r.id)] = r.seq;
    }
    const projections = new Map<number, StateProjection>();
    while (!signal.aborted) {
      const rows = await poll(pool, cursor, options.since ?? 0, startedAt);
      for (const row of rows) {
        cursor[String(row.id)] = row.seq;
        const event = JSON.parse(row.data) as IronEvent;
        const state = projections.get(row.id) ?? new StateProjection();
        projections.set(row.id, state);
        state.apply(event);
        if (!matches(event, options)) continue;
        const who = `${row.host}/${row.pid}`;
        if (options.json) write(JSON.stringify({ ...event, supervisor: who }));
        else {
          const line = eventLine(event, state);
          if (line !== null) write(`${who} ${line}`);
        }
      }
      if (rows.length === 0) await sleep(POLL_MS, signal);
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
}

async function poll(pool: pg.Pool, cursor: Record<string, number>, baseline: number, startedAt: number): Promise<Row[]> {
  return (await pool.query<Row>(NEWER, [JSON.stringify(cursor), baseline, startedAt - 60_000]).catch(noTablesYet)).rows;
}

// Before the first supervisor has created the schema, the fleet has no events yet.
function noTablesYet(error: unknown): { rows: never[] } {
  if ((error as { code?: string }).code === "42P01") return { rows: [] };
  throw error;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
