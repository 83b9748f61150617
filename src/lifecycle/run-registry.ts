// Where each agent process started by a supervisor is recorded (pid, group, start time), so a
// later supervisor can find and reap what a supervisor that died left running. The store
// implements it durably; the in-memory one serves library users without a store.

/** One incarnation of an agent, as recorded when its process started. */
export interface RunRecord {
  readonly agentId: string;
  /** Incarnation number within that supervisor: 1, then 2 after the first restart, … */
  readonly run: number;
  readonly pid: number;
  /** Its process group (the agent leads its own group, so this equals pid). */
  readonly pgid: number;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22), null where unknown. */
  readonly procStartTicks: number | null;
  /** The supervisor that started it, and its start time: a live supervisor's runs are never reaped. */
  readonly supervisorPid: number;
  readonly supervisorStartTicks: number | null;
}

/** How an incarnation ended. */
export interface RunExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Milliseconds since the epoch. */
  readonly endedAt: number;
  /** True when a later supervisor reaped it. */
  readonly reaped: boolean;
}

/** The narrow interface the lifecycle needs from a store. */
export interface RunRegistry {
  recordStart(record: RunRecord): void;
  /** Marks the run `record` (as given to recordStart) ended. */
  recordExit(record: RunRecord, exit: RunExit): void;
  /** Runs recorded as started and never as ended: live ones, or ones a dead supervisor left. */
  unfinishedRuns(): readonly RunRecord[];
}

function key(record: RunRecord): string {
  return `${record.supervisorPid}/${record.supervisorStartTicks}/${record.agentId}/${record.run}/${record.pid}`;
}

/** A RunRegistry that lives as long as the process (nothing survives a restart). */
export class MemoryRunRegistry implements RunRegistry {
  readonly #open = new Map<string, RunRecord>();
  readonly #ended: { record: RunRecord; exit: RunExit }[] = [];

  recordStart(record: RunRecord): void {
    this.#open.set(key(record), Object.freeze({ ...record }));
  }

  recordExit(record: RunRecord, exit: RunExit): void {
    if (this.#open.delete(key(record))) this.#ended.push({ record, exit: Object.freeze({ ...exit }) });
  }

  unfinishedRuns(): readonly RunRecord[] {
    return [...this.#open.values()];
  }

  /** Ended runs, oldest first (for inspection and tests). */
  endedRuns(): readonly { readonly record: RunRecord; readonly exit: RunExit }[] {
    return [...this.#ended];
  }
}
