// Versioned schema migrations for the state file; `PRAGMA user_version` records the version.
// Append new migrations; never edit one that has shipped.
import { IronError } from "../../errors.js";
import type { Db } from "./database.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events, call ledger, budgets, agents and runs, breakers",
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE supervisors (
        id INTEGER PRIMARY KEY,
        pid INTEGER NOT NULL,
        proc_start INTEGER,
        host TEXT NOT NULL,
        version TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT
      );
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        type TEXT NOT NULL,
        agent_id TEXT,
        supervisor_id INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX events_by_type ON events (type, seq);
      CREATE INDEX events_by_agent ON events (agent_id, seq);
      CREATE TABLE agents (
        agent_id TEXT PRIMARY KEY,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        state TEXT NOT NULL,
        runs INTEGER NOT NULL DEFAULT 0,
        last_reason TEXT
      );
      CREATE TABLE runs (
        supervisor_id INTEGER NOT NULL,
        agent_id TEXT NOT NULL,
        run INTEGER NOT NULL,
        pid INTEGER,
        state TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        exit_code INTEGER,
        signal TEXT,
        reason TEXT,
        PRIMARY KEY (supervisor_id, agent_id, run)
      );
      CREATE TABLE calls (
        call_id TEXT PRIMARY KEY,
        supervisor_id INTEGER NOT NULL,
        agent_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        model TEXT,
        response_model TEXT,
        library TEXT NOT NULL,
        stream INTEGER NOT NULL,
        attrs TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        decision TEXT,
        policy TEXT,
        code TEXT,
        reason TEXT,
        reserved_micros INTEGER NOT NULL DEFAULT 0,
        response_action TEXT,
        response_policy TEXT,
        status INTEGER,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cached_input_tokens INTEGER NOT NULL DEFAULT 0,
        reasoning_tokens INTEGER NOT NULL DEFAULT 0,
        cost_micros INTEGER NOT NULL DEFAULT 0,
        latency_ms REAL,
        complete INTEGER,
        error TEXT,
        responded_at INTEGER
      );
      CREATE INDEX calls_by_time ON calls (requested_at);
      CREATE TABLE budgets (
        scope TEXT PRIMARY KEY,
        limit_micros INTEGER,
        spent_micros INTEGER NOT NULL DEFAULT 0,
        reserved_micros INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE holds (
        call_id TEXT PRIMARY KEY,
        supervisor_id INTEGER NOT NULL,
        scopes TEXT NOT NULL,
        micros INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE breakers (
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        state TEXT NOT NULL,
        since INTEGER NOT NULL,
        reason TEXT,
        PRIMARY KEY (provider, model)
      );
    `,
  },
  {
    version: 2,
    name: "process groups and start times of runs (orphan reaping); ledger indexes by agent and model",
    sql: `
      ALTER TABLE runs ADD COLUMN pgid INTEGER;
      ALTER TABLE runs ADD COLUMN proc_start INTEGER;
      CREATE INDEX calls_by_agent ON calls (agent_id, requested_at);
      CREATE INDEX calls_by_model ON calls (model, requested_at);
    `,
  },
  {
    version: 3,
    name: "how an agent came (spawned or joined) and where it runs: pid, host, interpreter",
    sql: `
      ALTER TABLE agents ADD COLUMN kind TEXT NOT NULL DEFAULT 'spawned';
      ALTER TABLE agents ADD COLUMN pid INTEGER;
      ALTER TABLE agents ADD COLUMN host TEXT;
      ALTER TABLE agents ADD COLUMN python TEXT;
    `,
  },
  {
    version: 4,
    name: "values redacted per call, request and response (a request redaction is decided as modify), counted from the events kept",
    sql: `
      ALTER TABLE calls ADD COLUMN redacted_values INTEGER NOT NULL DEFAULT 0;
      UPDATE calls SET redacted_values = r.n FROM (
        SELECT json_extract(e.data, '$.callId') AS call_ref, COUNT(*) AS n FROM events e, json_each(e.data, '$.findings') f
        WHERE e.type = 'llm.decision' AND json_extract(f.value, '$.action') = 'redact' GROUP BY call_ref
      ) AS r WHERE r.call_ref = calls.call_id;
    `,
  },
  {
    version: 5,
    name: "a call's events found by its seq range in the ledger, not by indexes of events by type and agent (each group commit rewrote one page of each per event type and per agent)",
    sql: `
      ALTER TABLE calls ADD COLUMN first_seq INTEGER;
      ALTER TABLE calls ADD COLUMN last_seq INTEGER;
      UPDATE calls SET first_seq = r.lo, last_seq = r.hi FROM (
        SELECT json_extract(data, '$.callId') AS call_ref, MIN(seq) AS lo, MAX(seq) AS hi FROM events
        WHERE type IN ('llm.request', 'llm.decision', 'llm.response', 'llm.usage.rejected', 'budget.warning', 'budget.exhausted', 'policy.error')
          AND json_extract(data, '$.callId') IS NOT NULL GROUP BY call_ref
      ) AS r WHERE r.call_ref = calls.call_id;
      DROP INDEX IF EXISTS events_by_type;
      DROP INDEX IF EXISTS events_by_agent;
    `,
  },
];

/** The schema version this iron writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The schema version recorded in a database (0 for a new, empty one). */
export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Brings a database up to `target`, one migration per transaction; returns the versions crossed. */
export function migrate(db: Db, target: number = SCHEMA_VERSION): { from: number; to: number } {
  const from = schemaVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new IronError("IRON_ERR_STORE", "the state file was written by a newer iron", { expected: `schema version <= ${SCHEMA_VERSION}`, got: from });
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= from || migration.version > target) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: schemaVersion(db) };
}
