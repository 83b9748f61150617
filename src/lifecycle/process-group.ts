// Signals to a whole process group (an agent and everything it started), and waiting for it to empty.
import { setTimeout as sleep } from "node:timers/promises";
import { groupMembers, HAS_PROC } from "./proc-stat.js";

/**
 * Sends a signal to every process of the group; a catchable stop signal is followed by
 * SIGCONT so a stopped (SIGSTOP, Ctrl-Z) process wakes up to handle it, as systemd does.
 * Returns false when the group no longer exists.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    if (signal !== "SIGKILL" && signal !== "SIGCONT") process.kill(-pgid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group can still run (zombies do not count where /proc says so). */
export function groupAlive(pgid: number): boolean {
  if (HAS_PROC) return groupMembers(pgid).length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the group is empty or `ms` passed; true when it emptied. */
export async function waitGroupGone(pgid: number, ms: number, pollMs = 25): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (groupAlive(pgid)) {
    if (performance.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/**
 * Ends what is left of a group: `signal`, up to `graceMs` for it to go, then SIGKILL and a
 * last short wait. Used after an agent's main process ended, so nothing it started lingers.
 */
export async function terminateGroup(pgid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, signal);
  if (await waitGroupGone(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitGroupGone(pgid, 2000);
}
