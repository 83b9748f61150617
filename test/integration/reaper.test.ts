// Protects the run registry's use: at supervisor start, process groups recorded by a supervisor
// that died are terminated and recorded as reaped, while runs of a live supervisor and processes
// whose pid was reused by a stranger (a different start time) are left alone; and a registry
// that cannot record a start fails the spawn without leaving the process running.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { IronError, Supervisor, type RunRegistry } from "../../src/index.js";
import { groupMembers, readProcStat } from "../../src/lifecycle/proc-stat.js";
import { MemoryRunRegistry, type RunRecord } from "../../src/lifecycle/run-registry.js";
import { FIXTURES } from "../helpers/iron.js";
import { alive, allGone } from "../helpers/lifecycle.js";

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined && alive(child.pid)) process.kill(-child.pid, "SIGKILL");
});

/** A detached process group: a shell (the leader) and its `sleep`. */
function group(): number {
  const child = spawn("/bin/sh", ["-c", "sleep 300 & wait"], { detached: true, stdio: "ignore" });
  started.push(child);
  return child.pid as number;
}

/** The pid of a process that has already exited: a supervisor that died. */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await once(child, "exit");
  return child.pid as number;
}

function recordOf(pid: number, supervisorPid: number, supervisorStartTicks: number | null, ticks = readProcStat(pid)?.startTicks ?? null): RunRecord {
  return { agentId: `agent-${pid}`, run: 1, pid, pgid: pid, startedAt: Date.now(), procStartTicks: ticks, supervisorPid, supervisorStartTicks };
}

describe("reaping leftovers at start", () => {
  it("terminates the groups of a dead supervisor, and only those that are provably its own", async () => {
    const orphan = group();
    const ofLiveSupervisor = group();
    const reused = group();
    const runs = new MemoryRunRegistry();
    const me = readProcStat(process.pid)?.startTicks ?? null;
    runs.recordStart(recordOf(orphan, await deadPid(), 1));
    runs.recordStart(recordOf(ofLiveSupervisor, process.pid, me));
    runs.recordStart(recordOf(reused, await deadPid(), 1, (readProcStat(reused)?.startTicks ?? 0) - 1));
    for (const pgid of [orphan, ofLiveSupervisor, reused]) while (groupMembers(pgid).length < 2) await new Promise((r) => setTimeout(r, 20)); // each sh started its sleep

    const sup = await Supervisor.start({ runs });
    try {
      expect(groupMembers(orphan)).toEqual([]);
      expect(groupMembers(ofLiveSupervisor)).toHaveLength(2);
      expect(groupMembers(reused)).toHaveLength(2);
      const ended = runs.endedRuns();
      expect(ended.map((e) => [e.record.pid, e.exit.reaped, e.exit.signal])).toEqual(
        expect.arrayContaining([
          [orphan, true, "SIGTERM"],
          [reused, true, null],
        ]),
      );
      expect(ended).toHaveLength(2);
      expect(runs.unfinishedRuns().map((r) => r.pid)).toEqual([ofLiveSupervisor]);
    } finally {
      await sup.close();
    }
  });
});

describe("a run registry that fails", () => {
  it("makes spawn() fail and kills the process it could not record", async () => {
    const pids: number[] = [];
    const runs: RunRegistry = {
      recordStart(record) {
        pids.push(record.pid);
        throw new IronError("IRON_ERR_STORE", "the state store is read-only");
      },
      recordExit: () => undefined,
      unfinishedRuns: () => [],
    };
    const sup = await Supervisor.start({ runs });
    try {
      await expect(sup.spawn({ script: `${FIXTURES}/idle_forever.py` })).rejects.toThrow("IRON_ERR_STORE: the state store is read-only");
      expect(pids).toHaveLength(1);
      expect(await allGone(pids)).toBe(true);
    } finally {
      await sup.close();
    }
  });
});
