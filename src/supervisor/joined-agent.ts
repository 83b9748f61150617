// One agent that joined the supervisor on its own (iron_shim.install(), `python -m iron_shim`,
// the .pth autoload) with the join token. Governed exactly like a spawned agent — same engine,
// budgets and events — but iron does not own its process: it is shown `detached` when it says
// bye, its process is gone or its heartbeats stop, and it is never restarted.
import { createActor, type Actor } from "xstate";
import type { EventBus } from "../events/bus.js";
import { joinedMachine, type JoinedAgentState, type JoinedMachine } from "../lifecycle/joined-machine.js";
import type { HelloMessage } from "../protocol/messages.js";
import type { Session } from "../transport/agent-server.js";
import { SubprocessTracker, type Subprocess } from "./subprocesses.js";
import type { CallMetrics } from "./call-metrics.js";

export type { JoinedAgentState } from "../lifecycle/joined-machine.js";

/** What a joined agent needs from its supervisor. */
export interface JoinedHost {
  readonly bus: EventBus;
  readonly metrics: CallMetrics;
  readonly heartbeatTimeoutMs: number;
  /** This machine's host name: only a process on it can be checked for being gone. */
  readonly localHost: string;
  /** Releases the budget reservations of calls that will never report back. */
  abandon(): void;
  /** Forgets a connection that a newer one of the same process replaced. */
  dropSession(sessionId: string): void;
}

/** True when a process with this pid exists here (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A handle on a joined agent, as `sup.joined` lists it. */
export class JoinedAgent {
  readonly id: string;
  /** The name it asked for in its hello (the id is made unique from it). */
  readonly requested: string;
  readonly #actor: Actor<JoinedMachine>;
  readonly #host: JoinedHost;
  readonly #subprocesses: SubprocessTracker;
  #hello: HelloMessage;
  #session: string | null = null;

  /** @internal Created when its first hello is admitted. */
  constructor(id: string, hello: HelloMessage, host: JoinedHost) {
    this.id = id;
    this.requested = hello.agent;
    this.#hello = hello;
    this.#host = host;
    this.#subprocesses = new SubprocessTracker(host.bus, id, () => this.run);
    const machine = joinedMachine.provide({ guards: { processGone: () => this.#gone() } });
    this.#actor = createActor(machine, { input: { heartbeatTimeoutMs: host.heartbeatTimeoutMs } });
    this.#actor.on("state", ({ type: _type, ...change }) => {
      host.bus.publish({ type: "agent.state", agentId: this.id, ...change, exitCode: null, signal: null });
      if (change.to === "detached" && this.#gone()) host.abandon();
    });
    this.#actor.start();
  }

  /** `running` or `detached` (see JoinedAgentState). */
  get state(): JoinedAgentState {
    const state = this.#actor.getSnapshot().context.state;
    return state === "new" ? "running" : state;
  }

  /** Attachments so far: 1 for the first connection, 2 after the first reconnect, … */
  get run(): number {
    return this.#actor.getSnapshot().context.run;
  }

  /** Its process id (on its own host). */
  get pid(): number {
    return this.#hello.pid;
  }

  /** The host it runs on, as it reported it. */
  get host(): string {
    return this.#hello.host;
  }

  /** Its interpreter's version, e.g. `3.11.7`. */
  get python(): string {
    return this.#hello.python;
  }

  /** Its interpreter's path (`sys.executable`). */
  get executable(): string {
    return this.#hello.executable;
  }

  /** The shim version it runs. */
  get shim(): string {
    return this.#hello.shim;
  }

  /** The id of its current connection, or null when none is attached. */
  get session(): string | null {
    return this.#session;
  }

  /** Calls, decisions, tokens and cost so far, across reconnects. */
  get metrics(): Readonly<CallMetrics> {
    return { ...this.#host.metrics };
  }

  /** Its governed Python sub-processes that are connected. */
  get subprocesses(): readonly Subprocess[] {
    return this.#subprocesses.list();
  }

  /** @internal A hello from this same process again (a reconnect), by host, pid and name. */
  isSameProcess(hello: HelloMessage): boolean {
    return hello.parent_pid === null && hello.host === this.#hello.host && hello.pid === this.#hello.pid && (hello.agent === this.id || hello.agent === this.requested);
  }

  /** @internal A hello from a Python process this agent started (it inherited the shim). */
  isParentOf(hello: HelloMessage): boolean {
    return hello.parent_pid !== null && hello.parent_pid === this.#hello.pid && hello.host === this.#hello.host;
  }

  /** @internal A connection of this agent said hello and was welcomed. */
  attach(session: Session): void {
    const hello = session.hello;
    if (hello.parent_pid !== null && this.isParentOf(hello)) {
      this.#subprocesses.connected(session.id, hello.pid, hello.parent_pid);
      return;
    }
    const previous = this.#session;
    if (previous !== null && previous !== session.id) this.#host.dropSession(previous);
    const where = `${hello.host} (pid ${hello.pid}, Python ${hello.python || "?"})`;
    const first = this.run === 0;
    const same = hello.pid === this.pid && hello.host === this.host;
    const reason = first ? `joined from ${where}` : same ? `reconnected from ${where}` : `joined again from ${where}, a new process`;
    const previousPid = first ? null : this.pid;
    this.#hello = hello;
    this.#session = session.id;
    // Who joined first, then the state change it causes (the machine counts this attachment).
    this.#host.bus.publish({
      type: "agent.joined",
      agentId: this.id,
      run: this.run + 1,
      previousPid,
      session: session.id,
      requested: hello.agent,
      pid: hello.pid,
      host: hello.host,
      python: hello.python,
      executable: hello.executable,
      shim: hello.shim,
    });
    this.#actor.send({ type: "session.attached", pid: hello.pid, reason });
  }

  /** @internal A heartbeat: the main process's keep the agent `running`. */
  heartbeat(session: Session): void {
    if (session.id === this.#session) this.#send({ type: "shim.heartbeat" });
  }

  /** @internal A connection said bye: the main process ended or uninstalled the shim; a sub-process ended. */
  bye(session: Session, reason: string): void {
    if (this.#subprocesses.gone(session.id)) return;
    if (session.id !== this.#session) return;
    this.#session = null;
    this.#send({ type: "session.ended", reason: `said bye (${reason || "no reason"})` });
    this.#host.abandon();
  }

  /** @internal The supervisor is closing: detached for good. */
  close(reason: string): void {
    this.#send({ type: "close", reason });
    this.#host.abandon();
  }

  /** @internal Evicted from memory (detached the longest, beyond the cap): its machine stops, nothing is published. */
  dispose(): void {
    this.#actor.stop();
  }

  #send(event: Parameters<Actor<JoinedMachine>["send"]>[0]): void {
    if (this.#actor.getSnapshot().status === "active") this.#actor.send(event);
  }

  // Only a process on this host can be known to be gone; one elsewhere may just be slow.
  #gone(): boolean {
    return this.#hello.host === this.#host.localHost && !processAlive(this.#hello.pid);
  }
}
