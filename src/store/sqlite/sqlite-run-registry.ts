// The lifecycle's RunRegistry on SQLite: each agent process is recorded (pid, group, start
// time) the moment it starts, in its own transaction, so a supervisor that dies right after
// spawning still leaves a record the next one can reap from.
import type { RunExit, RunRecord, RunRegistry } from "../../lifecycle/run-registry.js";
import type { Db } from "./database.js";

export interface RunRegistryContext {
  readonly db: Db;
  readonly supervisorId: number;
  /** Records a failure of the store (it then fails closed) and returns it. */
  readonly fail: (error: unknown, doing: string) => Error;
  readonly failedAlready: () => boolean;
  /** Throws the store's failure when it has already failed. */
  readonly ensureHealthy: () => void;
}

interface OpenRunRow {
  agent_id: string;
  run: number;
  pid: number;
  pgid: number;
  started_at: number;
  proc_start: number | null;
  supervisor_pid: number;
  supervisor_start: number | null;
}

/** Runs in the state file's `runs` table, shared with the agent.state projection. */
export class SqliteRunRegistry implements RunRegistry {
  readonly #c: RunRegistryContext;
  readonly #start;
  readonly #end;

  constructor(context: RunRegistryContext) {
    this.#c = context;
    this.#start = context.db.prepare(
      `INSERT INTO runs (supervisor_id, agent_id, run, pid, pgid, proc_start, state, started_at)
       VALUES (@supervisorId, @agentId, @run, @pid, @pgid, @procStartTicks, 'starting', @startedAt)
       ON CONFLICT (supervisor_id, agent_id, run) DO UPDATE SET pid = @pid, pgid = @pgid, proc_start = @procStartTicks`,
    );
    this.#end = context.db.prepare(
      `UPDATE runs SET ended_at = COALESCE(ended_at, @endedAt), exit_code = COALESCE(exit_code, @exitCode), signal = COALESCE(signal, @signal),
         state = CASE WHEN @reaped THEN 'reaped' WHEN ended_at IS NULL THEN 'exited' ELSE state END
       WHERE agent_id = @agentId AND run = @run AND pid = @pid
         AND supervisor_id IN (SELECT id FROM supervisors WHERE pid = @supervisorPid AND proc_start IS @supervisorStartTicks)`,
    );
  }

  /** Records a process the moment it started; throws IRON_ERR_STORE when it cannot (the lifecycle then kills it). */
  recordStart(record: RunRecord): void {
    this.#c.ensureHealthy();
    try {
      this.#start.run({ ...record, supervisorId: this.#c.supervisorId });
    } catch (error) {
      throw this.#c.fail(error, "recording an agent process");
    }
  }

  /** Marks a recorded process ended (or reaped by a later supervisor); a failing store keeps it open (reaped later). */
  recordExit(record: RunRecord, exit: RunExit): void {
    if (this.#c.failedAlready()) return;
    try {
      this.#end.run({ ...record, ...exit, reaped: exit.reaped ? 1 : 0 });
    } catch (error) {
      this.#c.fail(error, "recording an agent process's end");
    }
  }

  /** Processes recorded as started and never as ended: live ones, or ones a dead supervisor left. */
  unfinishedRuns(): readonly RunRecord[] {
    const rows = this.#c.db
      .prepare<[], OpenRunRow>(
        `SELECT r.agent_id, r.run, r.pid, r.pgid, r.started_at, r.proc_start, s.pid AS supervisor_pid, s.proc_start AS supervisor_start
         FROM runs r JOIN supervisors s ON s.id = r.supervisor_id
         WHERE r.ended_at IS NULL AND r.pgid IS NOT NULL ORDER BY r.started_at`,
      )
      .all();
    return rows.map((row) => ({
      agentId: row.agent_id,
      run: row.run,
      pid: row.pid,
      pgid: row.pgid,
      startedAt: row.started_at,
      procStartTicks: row.proc_start,
      supervisorPid: row.supervisor_pid,
      supervisorStartTicks: row.supervisor_start,
    }));
  }
}
