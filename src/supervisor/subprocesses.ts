// The Python processes an agent started that inherited the shim, kept one way for spawned and
// joined agents: each connects as a session of its own and says so with agent.subprocess events.
import type { EventBus } from "../events/bus.js";

/** A governed Python process started by the agent (it inherited the shim). */
export interface Subprocess {
  readonly pid: number;
  /** The governed process that started it. */
  readonly parentPid: number;
}

/** An agent's sub-processes by session; `run` is read at each change, as the agent's run moves on. */
export class SubprocessTracker {
  readonly #subprocesses = new Map<string, Subprocess>();
  readonly #bus: EventBus;
  readonly #agentId: string;
  readonly #run: () => number;

  constructor(bus: EventBus, agentId: string, run: () => number) {
    this.#bus = bus;
    this.#agentId = agentId;
    this.#run = run;
  }

  /** The sub-processes connected now. */
  list(): readonly Subprocess[] {
    return [...this.#subprocesses.values()];
  }

  /** A sub-process's shim said hello on this session. */
  connected(sessionId: string, pid: number, parentPid: number): void {
    this.#subprocesses.set(sessionId, { pid, parentPid });
    this.#bus.publish({ type: "agent.subprocess", agentId: this.#agentId, run: this.#run(), pid, parentPid, change: "connected" });
  }

  /** The session ended; true when it was a sub-process's (and is now gone). */
  gone(sessionId: string): boolean {
    const sub = this.#subprocesses.get(sessionId);
    if (sub === undefined) return false;
    this.#subprocesses.delete(sessionId);
    this.#bus.publish({ type: "agent.subprocess", agentId: this.#agentId, run: this.#run(), pid: sub.pid, parentPid: sub.parentPid, change: "exited" });
    return true;
  }

  /** Every sub-process is gone (the agent's process ended, taking its children's sessions). */
  allGone(): void {
    for (const sessionId of [...this.#subprocesses.keys()]) this.gone(sessionId);
  }
}
