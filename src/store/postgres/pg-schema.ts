// The fleet database's schema, versioned in `schema_version` and migrated on first use under
// an advisory lock, so supervisors starting together migrate once. Append migrations; never
// edit one that has shipped.
import type pg from "pg";
import { IronError } from "../../errors.js";

interface Migration {
  readonly version: number;
  readonly sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE supervisors (
        id BIGSERIAL PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, version TEXT NOT NULL,
        started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL, ended_at BIGINT, end_reason TEXT
      );
      CREATE TABLE events (
        supervisor_id BIGINT NOT NULL, seq BIGINT NOT NULL, ts BIGINT NOT NULL, type TEXT NOT NULL,
        agent_id TEXT, data TEXT NOT NULL, PRIMARY KEY (supervisor_id, seq)
      );
      CREATE INDEX events_by_time ON events (ts);
      CREATE TABLE agents (
        supervisor_id BIGINT NOT NULL, agent_id TEXT NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,
        state TEXT NOT NULL, runs INTEGER NOT NULL DEFAULT 0, last_reason TEXT, kind TEXT NOT NULL DEFAULT 'spawned',
        pid INTEGER, host TEXT, PRIMARY KEY (supervisor_id, agent_id)
      );
      CREATE TABLE calls (
        call_id TEXT PRIMARY KEY, supervisor_id BIGINT NOT NULL, agent_id TEXT NOT NULL, provider TEXT NOT NULL,
        endpoint TEXT NOT NULL, model TEXT, response_model TEXT, library TEXT NOT NULL, stream BOOLEAN NOT NULL,
        attrs TEXT NOT NULL, requested_at BIGINT NOT NULL, decision TEXT, policy TEXT, code TEXT, reason TEXT,
        reserved_micros BIGINT NOT NULL DEFAULT 0, response_action TEXT, status INTEGER,
        input_tokens BIGINT NOT NULL DEFAULT 0, output_tokens BIGINT NOT NULL DEFAULT 0,
        cost_micros BIGINT NOT NULL DEFAULT 0, latency_ms DOUBLE PRECISION, complete BOOLEAN, error TEXT
      );
      CREATE INDEX calls_by_time ON calls (requested_at);
      CREATE TABLE budgets (
        scope TEXT PRIMARY KEY, limit_micros BIGINT, spent_micros BIGINT NOT NULL DEFAULT 0,
        leased_micros BIGINT NOT NULL DEFAULT 0, updated_at BIGINT NOT NULL,
        CHECK (leased_micros >= 0)
      );
      CREATE TABLE leases (
        supervisor_id BIGINT NOT NULL, scope TEXT NOT NULL, micros BIGINT NOT NULL, expires_at BIGINT NOT NULL,
        PRIMARY KEY (supervisor_id, scope), CHECK (micros >= 0)
      );
      CREATE TABLE settled (call_id TEXT PRIMARY KEY, supervisor_id BIGINT NOT NULL, micros BIGINT NOT NULL, settled_at BIGINT NOT NULL);
      CREATE TABLE breakers (
        provider TEXT NOT NULL, model TEXT NOT NULL, state TEXT NOT NULL, since BIGINT NOT NULL, reason TEXT,
        PRIMARY KEY (provider, model)
      );
    `,
  },
  {
    // Breakers the fleet follows: one row per provider+model, changed only by conditional updates.
    version: 2,
    sql: `
      CREATE TABLE fleet_breakers (
        provider TEXT NOT NULL, model TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'closed',
        opened_at BIGINT, cooldown_ms BIGINT, reason TEXT, changed_by BIGINT, version BIGINT NOT NULL DEFAULT 0,
        probe_holder BIGINT, probe_until BIGINT, PRIMARY KEY (provider, model),
        CHECK (state IN ('closed', 'open'))
      );
      CREATE TABLE rate_windows (
        key TEXT NOT NULL, win BIGINT NOT NULL, allowance BIGINT NOT NULL, used BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (key, win), CHECK (used <= allowance)
      );
    `,
  },
  {
    // Values redacted per call, request and response (a request redaction is decided as modify),
    // counted from the events kept, as the state file's schema 4 does; and each agent's Python.
    version: 3,
    sql: `
      ALTER TABLE agents ADD COLUMN python TEXT;
      UPDATE agents SET python = p.python FROM (
        SELECT DISTINCT ON (e.supervisor_id, e.agent_id) e.supervisor_id, e.agent_id, e.data::jsonb ->> 'python' AS python
        FROM events e WHERE e.type IN ('agent.state', 'agent.joined') AND e.data::jsonb ? 'python'
        ORDER BY e.supervisor_id, e.agent_id, e.seq DESC
      ) AS p WHERE p.supervisor_id = agents.supervisor_id AND p.agent_id = agents.agent_id;
      ALTER TABLE calls ADD COLUMN redacted_values INTEGER NOT NULL DEFAULT 0;
      UPDATE calls SET redacted_values = r.n FROM (
        SELECT e.data::jsonb ->> 'callId' AS call_ref, count(*) AS n
        FROM events e CROSS JOIN LATERAL jsonb_array_elements(
          CASE WHEN jsonb_typeof(e.data::jsonb -> 'findings') = 'array' THEN e.data::jsonb -> 'findings' ELSE '[]'::jsonb END) f
        WHERE e.type = 'llm.decision' AND f ->> 'action' = 'redact' GROUP BY call_ref
      ) AS r WHERE r.call_ref = calls.call_id;
    `,
  },
];

/** The schema version this iron writes. */
export const PG_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Any constant works; every iron uses this one, so only one of them migrates at a time. */
const MIGRATION_LOCK = 7_140_153;

/** Creates or upgrades the schema; refuses a database written by a newer iron (IRON_ERR_STORE). */
export async function migrateSchema(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  // Checked out, the connection has no pool listener: a server going away must fail the query, not the process.
  client.on("error", () => undefined);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      const { rows } = await client.query<{ version: number }>("SELECT max(version) AS version FROM schema_version");
      const from = rows[0]?.version ?? 0;
      if (from > PG_SCHEMA_VERSION) {
        throw new IronError("IRON_ERR_STORE", "the PostgreSQL database was written by a newer iron", { expected: `schema version <= ${PG_SCHEMA_VERSION}`, got: from });
      }
      for (const migration of MIGRATIONS) {
        if (migration.version <= from) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query("DELETE FROM schema_version");
          await client.query("INSERT INTO schema_version (version) VALUES ($1)", [migration.version]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
      }
      return { from, to: Math.max(from, PG_SCHEMA_VERSION) };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
