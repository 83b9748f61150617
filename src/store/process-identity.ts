// Tells a live process from a dead one whose pid was reused: pid plus its start time.
import { readFileSync } from "node:fs";

/** The process's start time in clock ticks since boot (Linux /proc), or null where unknown. */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** True when `pid` runs and, where start times are known, is the same process that recorded them. */
export function isSameProcessAlive(pid: number, procStart: number | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (procStart === null) return true;
  const now = processStartTicks(pid);
  return now === null || now === procStart;
}
