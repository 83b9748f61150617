// The process groups of agents alive in this Node process: if Node exits without closing its
// supervisors (process.exit, an uncaught exception), they are killed on the way out.

const live = new Set<number>();
let hooked = false;

// Runs synchronously in Node's "exit" event: the last moment anything can be signalled.
function killAll(): void {
  for (const pgid of live) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** Remembers a live agent process group. */
export function trackGroup(pgid: number): void {
  if (!hooked) {
    process.on("exit", killAll);
    hooked = true;
  }
  live.add(pgid);
}

/** Forgets a group once it is empty. */
export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}
