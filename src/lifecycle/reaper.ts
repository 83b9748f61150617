// Reaping at supervisor start: agent process groups that a supervisor which died (even by
// kill -9) left running are found in the RunRegistry and terminated — but only after checking,
// by start time, that they still are the processes that were recorded.
import { groupMembers, HAS_PROC, readProcStat } from "./proc-stat.js";
import { terminateGroup } from "./process-group.js";
import type { RunRecord, RunRegistry } from "./run-registry.js";

/** A run the reaper dealt with. */
export interface ReapedRun {
  readonly record: RunRecord;
  /** How many processes of its group were still alive and were terminated. */
  readonly processes: number;
}

/** True while the supervisor that recorded a run is alive (then its runs are its own business). */
function supervisorAlive(record: RunRecord): boolean {
  const stat = readProcStat(record.supervisorPid);
  if (stat === null) return false;
  return record.supervisorStartTicks === null || stat.startTicks === record.supervisorStartTicks;
}

/**
 * The processes left of a run's group, or null when they cannot be told apart from strangers.
 * A process group id is not reused while any member is alive, so: if the leader's pid is alive
 * with another start time the old group is gone; otherwise every member of the group is ours.
 */
function leftovers(record: RunRecord): number[] | null {
  const leader = readProcStat(record.pid);
  if (leader !== null && record.procStartTicks !== null && leader.startTicks !== record.procStartTicks) return [];
  const members = groupMembers(record.pgid);
  if (record.procStartTicks === null) return members.length === 0 ? [] : null;
  return members.filter((m) => m.startTicks >= (record.procStartTicks as number)).map((m) => m.pid);
}

/**
 * Terminates what dead supervisors left running (SIGTERM, `graceMs`, SIGKILL) and records
 * those runs as ended. Runs of live supervisors are left alone; without /proc nothing can be
 * verified, so nothing is killed.
 */
export async function reapLeftovers(registry: RunRegistry, graceMs: number): Promise<ReapedRun[]> {
  if (!HAS_PROC) return [];
  const reaped: ReapedRun[] = [];
  const work: Promise<void>[] = [];
  for (const record of registry.unfinishedRuns()) {
    if (supervisorAlive(record)) continue;
    const pids = leftovers(record);
    if (pids === null) continue;
    work.push(
      (pids.length > 0 ? terminateGroup(record.pgid, "SIGTERM", graceMs) : Promise.resolve()).then(() => {
        registry.recordExit(record, { exitCode: null, signal: pids.length > 0 ? "SIGTERM" : null, endedAt: Date.now(), reaped: true });
        reaped.push({ record, processes: pids.length });
      }),
    );
  }
  await Promise.all(work);
  return reaped;
}
