// Linux /proc reading: who is in a process group, and whether a pid is still the process we
// started (its start time), so iron never signals a stranger that reused a pid.
import { readdirSync, readFileSync } from "node:fs";

/** The fields of /proc/<pid>/stat iron needs. */
export interface ProcStat {
  readonly pid: number;
  /** One letter: R running, S sleeping, T stopped, Z zombie, … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process for good. */
  readonly startTicks: number;
}

/** True where /proc can be read (Linux); elsewhere callers fall back to kill(pid, 0). */
export const HAS_PROC = (() => {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
})();

/** Parses one stat line; the command name may hold spaces and parentheses, so fields start after the last ")". */
export function parseStat(line: string): ProcStat | null {
  const close = line.lastIndexOf(")");
  if (close < 0) return null;
  const pid = Number.parseInt(line.slice(0, line.indexOf(" ")), 10);
  const fields = line.slice(close + 2).split(" ");
  // fields[0] is field 3 (state); starttime is field 22.
  const stat = { pid, state: fields[0] ?? "", ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
  return Number.isInteger(stat.pid) && Number.isFinite(stat.startTicks) ? stat : null;
}

/** The stat of a live process, or null when it is gone (or /proc is not there). */
export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return null;
  }
}

/** Every process of a group that is not a zombie (a zombie cannot run or hold anything but its pid). */
export function groupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return members;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat !== null && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") members.push(stat);
  }
  return members;
}
