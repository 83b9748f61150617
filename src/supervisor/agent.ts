// One supervised agent: its lifecycle machine drives one process at a time (an incarnation),
// each with a fresh token; state changes and output lines become events.
import { SubprocessTracker, type Subprocess } from "./subprocesses.js";
import { createActor, toPromise, type Actor } from "xstate";
import type { EventBus } from "../events/bus.js";
import { agentMachine, type AgentMachine } from "../lifecycle/agent-machine.js";
import type { AgentEvent, AgentExit, AgentMachineInput, AgentState, ProcessInput } from "../lifecycle/agent-machine-types.js";
import { IronError } from "../errors.js";
import { openRunOutput, type EchoTargets } from "../lifecycle/agent-output.js";
import { OutputCap, type OutputRate } from "../lifecycle/output-cap.js";
import { startAgentProcess } from "../lifecycle/agent-process.js";
import type { LifecycleConfig } from "../lifecycle/lifecycle-options.js";
import { processActor, type Incarnation, type IncarnationEvents } from "../lifecycle/process-actor.js";
import type { RunRecord, RunRegistry } from "../lifecycle/run-registry.js";
import type { Session } from "../transport/agent-server.js";
import type { CallMetrics } from "./call-metrics.js";

export type { AgentExit, AgentState } from "../lifecycle/agent-machine-types.js";

/** What an agent needs from its supervisor. */
export interface AgentHost {
  readonly bus: EventBus;
  readonly runs: RunRegistry;
  readonly supervisorStartTicks: number | null;
  /** The environment of incarnation `run`, with a freshly issued token (the previous one is revoked). */
  environment(run: number): Record<string, string>;
  /** The incarnation ended: revoke its token, forget its sessions and release its in-flight calls. */
  release(): void;
}

export interface AgentLaunch {
  readonly id: string;
  readonly python: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly lifecycle: LifecycleConfig;
  /** Copy the agent's output to iron's stdout/stderr, as is or behind a prefix. */
  readonly echo: false | { readonly prefix: string };
  readonly echoTargets?: EchoTargets;
  /** The rate cap on the output lines published as events; false publishes every line. */
  readonly outputRate: OutputRate | false;
  /** The interpreter's version as checked before the start (`3.11.7`), told on each run's `starting` event; null when unknown. */
  readonly pythonVersion?: string | null;
}

/** How to stop an agent. */
export interface StopOptions {
  /** Why, for the `agent.state` events (default "stop requested"). */
  readonly reason?: string;
  /** The first signal for its process group (default SIGTERM). */
  readonly signal?: NodeJS.Signals;
  /** Grace period before SIGKILL, in milliseconds (default: the agent's stopTimeoutMs). */
  readonly timeoutMs?: number;
  /** SIGKILL now. */
  readonly force?: boolean;
}

/** A handle on a supervised agent, as `sup.spawn()` returns it. */
export class Agent {
  readonly id: string;
  readonly script: string;
  /** @internal Resolves once the first process was spawned (or could not be). */
  readonly started: Promise<void>;
  readonly #launch: AgentLaunch;
  readonly #host: AgentHost;
  readonly #metrics: CallMetrics;
  readonly #subprocesses: SubprocessTracker;
  #actor!: Actor<AgentMachine>;
  #exited!: Promise<AgentExit>;
  #mainSession: string | null = null;
  readonly #output: OutputCap | null;
  readonly #publishLine: (run: number, stream: "stdout" | "stderr", line: string) => void;

  /** @internal Created by `Supervisor.spawn()`. */
  constructor(launch: AgentLaunch, host: AgentHost, metrics: CallMetrics) {
    this.id = launch.id;
    this.script = launch.script;
    this.#launch = launch;
    this.#host = host;
    this.#metrics = metrics;
    this.#subprocesses = new SubprocessTracker(host.bus, launch.id, () => this.run);
    const publish = (run: number, stream: "stdout" | "stderr", line: string): void => {
      host.bus.publish({ type: "agent.output", agentId: this.id, run, stream, line });
    };
    this.#output = launch.outputRate === false ? null : new OutputCap(launch.outputRate, publish);
    this.#publishLine = this.#output === null ? publish : this.#output.line.bind(this.#output);
    this.started = this.#live();
  }

  // Starts a machine: the first one, or a new one continuing an agent that had ended (`resume`).
  // Resolves once its first process was spawned (or could not be).
  #live(resume?: AgentMachineInput["resume"]): Promise<void> {
    const machine = agentMachine.provide({ actors: { process: processActor((input, events) => this.#incarnate(input, events)) } });
    const actor = createActor(machine, { input: { config: this.#launch.lifecycle, ...(resume !== undefined && { resume }) } });
    this.#actor = actor;
    const python = this.#launch.pythonVersion ?? null;
    actor.on("state", ({ type: _type, ...change }) => this.#host.bus.publish({ type: "agent.state", agentId: this.id, ...change, ...(change.to === "starting" && python !== null && { python }) }));
    const subscriptions: { unsubscribe(): void }[] = [];
    const started = new Promise<void>((resolve, reject) => {
      subscriptions.push(actor.on("state", () => resolve()));
      // A failure inside the actor (e.g. the run registry could not record the start) ends it.
      subscriptions.push(actor.subscribe({ error: reject, complete: () => resolve() }));
    }).finally(() => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    });
    this.#exited = toPromise(actor);
    this.#exited.catch(() => undefined); // handled by whoever awaits it; never an unhandled rejection
    actor.start();
    return started;
  }

  /**
   * Resolves when the agent has ended for good (stopped, exited, crashed without restart, or
   * failed). After `start()` of an agent that had ended, this is a new promise for the new life.
   */
  get exited(): Promise<AgentExit> {
    return this.#exited;
  }

  /** Where it is in its life (see AgentState). */
  get state(): AgentState {
    const state = this.#actor.getSnapshot().context.state;
    return state === "new" ? "starting" : state;
  }

  /** The incarnation: 1 for the first process, 2 after the first restart, … */
  get run(): number {
    return this.#actor.getSnapshot().context.run;
  }

  /** The current (or last) process id. */
  get pid(): number | null {
    return this.#actor.getSnapshot().context.pid;
  }

  /** How many times it was restarted. */
  get restarts(): number {
    return this.#actor.getSnapshot().context.restarts;
  }

  /** Calls, decisions, tokens and cost so far, across incarnations. */
  get metrics(): Readonly<CallMetrics> {
    return { ...this.#metrics };
  }

  /** The governed Python sub-processes of the current incarnation that are connected. */
  get subprocesses(): readonly Subprocess[] {
    return this.#subprocesses.list();
  }

  /** Stops it for good (never restarted): the signal to its process group, SIGKILL after the grace period. */
  stop(options: StopOptions = {}): Promise<AgentExit> {
    this.#send({
      type: "stop",
      reason: options.reason ?? "stop requested",
      ...(options.signal !== undefined && { signal: options.signal }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.force !== undefined && { force: options.force }),
    });
    return this.exited;
  }

  /** True when the agent has ended (stopped, exited, crashed without restart, or failed): `start()` may run it again. */
  get ended(): boolean {
    return this.#actor.getSnapshot().status !== "active";
  }

  /**
   * Starts an agent that has ended (stopped, exited, crashed or failed) as a new run with a
   * fresh token, or one waiting in backoff at once. Throws IRON_ERR_STATE when it is running,
   * starting or stopping. Resolves once the new process is spawned (or could not be).
   */
  start(options: { readonly reason?: string } = {}): Promise<void> {
    const reason = options.reason ?? "started on request";
    if (this.state === "backoff" && !this.ended) return this.#sendAndWait({ type: "start", reason });
    if (!this.ended) throw this.#wrongState("start", "stopped, exited, crashed, failed or in backoff");
    const { run, restarts } = this.#actor.getSnapshot().context;
    return this.#live({ run: run + 1, restarts: restarts + 1, from: this.state, reason });
  }

  /**
   * Stops the agent's process and starts it again at once as a new run with a fresh token,
   * whatever its restart policy (an agent that has ended is simply started; one in backoff
   * starts now). Throws IRON_ERR_STATE while it is stopping. Resolves once the new process is
   * spawned (or could not be).
   */
  restart(options: { readonly reason?: string } = {}): Promise<void> {
    const reason = options.reason ?? "restarted on request";
    if (this.ended) return this.start({ reason });
    if (this.state === "stopping") throw this.#wrongState("restart", "starting, running, hung, in backoff, or ended");
    return this.#sendAndWait({ type: "restart", reason });
  }

  #wrongState(what: string, expected: string): IronError {
    return new IronError("IRON_ERR_STATE", `cannot ${what} agent ${JSON.stringify(this.id)}`, { expected: `an agent that is ${expected}`, got: this.state });
  }

  // Sends start/restart and resolves when the next run's process is spawned, or the agent ends.
  #sendAndWait(event: AgentEvent): Promise<void> {
    const actor = this.#actor;
    const next = actor.getSnapshot().context.run + 1;
    const done = new Promise<void>((resolve) => {
      const subscriptions: { unsubscribe(): void }[] = [];
      const finish = (): void => {
        for (const subscription of subscriptions) subscription.unsubscribe();
        resolve();
      };
      subscriptions.push(
        actor.on("state", (change) => {
          if (change.run >= next && change.to === "starting") finish();
        }),
        actor.subscribe({ complete: finish, error: finish }),
      );
    });
    this.#send(event);
    return done;
  }

  /** @internal A shim of this agent's current incarnation said hello. */
  attach(session: Session): void {
    const parentPid = session.hello.parent_pid;
    if (parentPid === null) {
      this.#mainSession = session.id;
      this.#send({ type: "shim.connected" });
      return;
    }
    this.#subprocesses.connected(session.id, session.hello.pid, parentPid);
  }

  /** @internal A heartbeat: the main process's keep the agent `running`. */
  heartbeat(session: Session): void {
    if (session.id === this.#mainSession) this.#send({ type: "shim.heartbeat" });
  }

  // An agent that has ended takes no more events (stopping it again is a no-op).
  #send(event: AgentEvent): void {
    if (this.#actor.getSnapshot().status === "active") this.#actor.send(event);
  }

  /** @internal A shim said bye: a sub-process is ending. */
  bye(session: Session): void {
    this.#subprocesses.gone(session.id);
  }

  // Spawns one incarnation: fresh token, recorded in the run registry, released when it ends.
  #incarnate(input: ProcessInput, events: IncarnationEvents): Incarnation {
    const launch = this.#launch;
    const output = openRunOutput(input.run, {
      line: this.#publishLine,
      echo: launch.echo,
      targets: launch.echoTargets ?? { stdout: process.stdout, stderr: process.stderr },
    });
    let record: RunRecord | null = null;
    const end = (): void => {
      output.end();
      this.#output?.end();
      this.#subprocesses.allGone();
      this.#mainSession = null;
      this.#host.release();
    };
    const proc = startAgentProcess(
      { command: launch.python, args: [launch.script, ...launch.args], cwd: launch.cwd, env: this.#host.environment(input.run), stopTimeoutMs: input.stopTimeoutMs },
      {
        spawned: (pid, startTicks) => {
          record = {
            agentId: this.id,
            run: input.run,
            pid,
            pgid: pid,
            startedAt: Date.now(),
            procStartTicks: startTicks,
            supervisorPid: process.pid,
            supervisorStartTicks: this.#host.supervisorStartTicks,
          };
          this.#host.runs.recordStart(record);
          events.spawned(pid);
        },
        output: (stream, chunk) => output.push(stream, chunk),
        exited: (exitCode, signal) => {
          end();
          if (record !== null) this.#host.runs.recordExit(record, { exitCode, signal, endedAt: Date.now(), reaped: false });
          events.exited(exitCode, signal);
        },
        failed: (message) => {
          end();
          events.failed(message);
        },
      },
    );
    return proc;
  }
}
