// The whole fleet's events as one stream, for `iron dashboard --state postgres://…`. Each
// supervisor numbers its own events; this feed reads every supervisor's new events (a cursor per
// supervisor, so a batch written late is never skipped), merges them by time, renumbers them
// 1, 2, 3… and names each agent with the supervisor that ran it (`agent@host/pid`), so two
// supervisors' agents of the same name stay apart. Budgets come from the fleet's budget rows
// (the members' own budget events each see only their slice). Reads are synchronous from a window
// in memory; `refresh()` pulls what is new.
import type pg from "pg";
import type { IronEvent } from "../../events/types.js";
import { openPool, pgStoreError } from "./pg-connect.js";
import { migrateSchema } from "./pg-schema.js";
import { redactUrl } from "./postgres-url.js";

/** Events kept for replays and call details (older ones are still folded into the dashboard's state). */
const WINDOW = 100_000;
const PAGE = 1000;

interface Row {
  readonly id: number;
  readonly host: string;
  readonly pid: number;
  readonly seq: number;
  readonly ts: number;
  readonly data: string;
}

interface BudgetRowDb {
  readonly scope: string;
  readonly limit_micros: number | null;
  readonly spent_micros: number;
  readonly leased_micros: number;
}

const NEWER = `SELECT s.id, s.host, s.pid, e.seq, e.ts, e.data FROM supervisors s
  CROSS JOIN LATERAL (SELECT seq, ts, data FROM events WHERE supervisor_id = s.id AND seq > COALESCE(($1::jsonb ->> s.id::text)::bigint, 0) ORDER BY seq LIMIT ${PAGE}) e
  ORDER BY s.id, e.seq`;

/** Events that describe one member, not the fleet: a member's stop is not the fleet's, its budget view is its slice. */
const MEMBER_ONLY = new Set(["supervisor.started", "supervisor.stopping", "budget.update"]);

/** Every supervisor's events on one database, renumbered into one sequence. */
export class FleetEvents {
  readonly url: string;
  readonly #pool: pg.Pool;
  readonly #cursor: Record<string, number> = {};
  readonly #budgets = new Map<string, string>();
  readonly #window: IronEvent[] = [];
  #seq = 0;

  private constructor(url: string, pool: pg.Pool) {
    this.url = redactUrl(url);
    this.#pool = pool;
  }

  /** Connects (IRON_ERR_STORE within seconds when it cannot) and brings the schema up to date. */
  static async open(url: string): Promise<FleetEvents> {
    const pool = await openPool(url, 1);
    try {
      await migrateSchema(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw pgStoreError(error, url, "preparing the database");
    }
    return new FleetEvents(url, pool);
  }

  /** Reads what every supervisor wrote since the last refresh, and the budgets that changed. */
  async refresh(): Promise<void> {
    for (;;) {
      const { rows } = await this.#pool.query<Row>(NEWER, [JSON.stringify(this.#cursor)]);
      for (const row of rows) this.#cursor[String(row.id)] = row.seq;
      for (const row of mergeByTime(rows)) this.#take(row);
      if (rows.length === 0) break;
    }
    const { rows } = await this.#pool.query<BudgetRowDb>("SELECT scope, limit_micros, spent_micros, leased_micros FROM budgets ORDER BY scope");
    for (const b of rows) {
      const seen = `${b.limit_micros}/${b.spent_micros}/${b.leased_micros}`;
      if (this.#budgets.get(b.scope) === seen) continue;
      this.#budgets.set(b.scope, seen);
      this.#push({ type: "budget.update", seq: 0, ts: Date.now(), scope: b.scope, limit: b.limit_micros, spent: b.spent_micros, reserved: b.leased_micros } as IronEvent);
    }
  }

  #take(row: Row): void {
    const event = JSON.parse(row.data) as IronEvent & { agentId?: unknown };
    if (MEMBER_ONLY.has(event.type)) return;
    const supervisor = `${row.host}/${row.pid}`;
    const agent = typeof event.agentId === "string" ? { agentId: `${event.agentId}@${supervisor}` } : {};
    this.#push({ ...event, ...agent, supervisor } as unknown as IronEvent);
  }

  #push(event: IronEvent): void {
    this.#seq += 1;
    this.#window.push({ ...event, seq: this.#seq } as IronEvent);
    if (this.#window.length > WINDOW + PAGE) this.#window.splice(0, this.#window.length - WINDOW);
  }

  /** Events with seq > `after`, oldest first, at most `limit` ([] once they left the window). */
  eventsAfter(after: number, limit: number): IronEvent[] {
    const first = this.#window[0]?.seq ?? this.#seq + 1;
    const start = Math.max(0, after + 1 - first);
    return this.#window.slice(start, start + limit);
  }

  /** Every event of one call still in the window (the call id as the supervisor gave it). */
  callEvents(callId: string): IronEvent[] {
    return this.#window.filter((e) => "callId" in e && e.callId === callId);
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }
}

// One supervisor's rows keep their order; across supervisors the earliest head goes first.
function mergeByTime(rows: readonly Row[]): Row[] {
  const queues = new Map<number, Row[]>();
  for (const row of rows) {
    const queue = queues.get(row.id) ?? [];
    queue.push(row);
    queues.set(row.id, queue);
  }
  const out: Row[] = [];
  const heads = [...queues.values()];
  for (;;) {
    let best: Row[] | undefined;
    for (const q of heads) if (q.length > 0 && (best === undefined || (q[0] as Row).ts < (best[0] as Row).ts)) best = q;
    if (best === undefined) return out;
    out.push(best.shift() as Row);
  }
}
