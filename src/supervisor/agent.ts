// One supervised agent process: spawned with the shim, watched, stopped by process group.
import { execa, type ResultPromise } from "execa";
import type { EventBus } from "../events/bus.js";
import type { CallMetrics } from "./call-governor.js";
import { LineSplitter } from "./line-splitter.js";

/**
 * Where an agent is in its life:
 * - `starting`: the process is spawned; its shim has not said hello yet.
 * - `running`: the shim said hello with the right token; calls are governed.
 * - `stopping`: iron asked it to stop (SIGTERM to its group) and waits for it.
 * - `stopped`: it exited after a stop request, or with code 0.
 * - `crashed`: it exited on its own with a non-zero code or a signal.
 * - `failed`: it could not be started (or, with restarts, gave up).
 */
export type AgentState = "starting" | "running" | "stopping" | "stopped" | "crashed" | "failed";

/** How an agent's process ended. */
export interface AgentExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly state: AgentState;
  readonly reason: string;
}

export interface AgentLaunch {
  readonly id: string;
  readonly python: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stopTimeoutMs: number;
  /** Copy the agent's raw output to iron's own stdout/stderr (with a prefix when several run). */
  readonly echo: false | { readonly prefix: string };
}

/** A handle on a running agent, as `sup.spawn()` returns it. */
export class Agent {
  readonly id: string;
  readonly script: string;
  readonly run = 1;
  readonly exited: Promise<AgentExit>;
  #state: AgentState = "starting";
  #pid: number | null = null;
  #stopRequested = false;
  readonly #child: ResultPromise;
  readonly #bus: EventBus;
  readonly #metrics: CallMetrics;
  readonly #stopTimeoutMs: number;

  constructor(launch: AgentLaunch, bus: EventBus, metrics: CallMetrics) {
    this.id = launch.id;
    this.script = launch.script;
    this.#bus = bus;
    this.#metrics = metrics;
    this.#stopTimeoutMs = launch.stopTimeoutMs;
    this.#child = execa(launch.python, [launch.script, ...launch.args], {
      cwd: launch.cwd,
      env: launch.env,
      extendEnv: false,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      buffer: false,
      reject: false,
      detached: true,
      cleanup: true,
    });
    this.#pid = this.#child.pid ?? null;
    this.#transition("starting", "spawned");
    this.#pipe("stdout", launch.echo);
    this.#pipe("stderr", launch.echo);
    this.exited = this.#child.then((result) => {
      const signal = result.signal ?? null;
      const exitCode = result.exitCode ?? null;
      const state: AgentState = this.#stopRequested || exitCode === 0 ? "stopped" : this.#pid === null ? "failed" : "crashed";
      const reason =
        this.#pid === null
          ? `could not start: ${result.originalMessage ?? result.message}`
          : signal !== null
            ? `killed by ${signal}`
            : `exited with code ${exitCode}`;
      this.#transition(state, reason, exitCode, signal);
      return { exitCode, signal, state, reason };
    });
  }

  get state(): AgentState {
    return this.#state;
  }

  get pid(): number | null {
    return this.#pid;
  }

  /** Calls, decisions, tokens and cost so far. */
  get metrics(): Readonly<CallMetrics> {
    return { ...this.#metrics };
  }

  /** Called by the supervisor when this agent's shim has authenticated. */
  markConnected(): void {
    if (this.#state === "starting") this.#transition("running", "shim connected");
  }

  /** SIGTERM to the agent's process group, then SIGKILL after the grace period. */
  async stop(options: { timeoutMs?: number; reason?: string } = {}): Promise<AgentExit> {
    if (this.#state === "stopped" || this.#state === "crashed" || this.#state === "failed") return this.exited;
    if (!this.#stopRequested) {
      this.#stopRequested = true;
      this.#transition("stopping", options.reason ?? "stop requested");
      this.#signalGroup("SIGTERM");
      const timer = setTimeout(() => this.#signalGroup("SIGKILL"), options.timeoutMs ?? this.#stopTimeoutMs);
      void this.exited.finally(() => clearTimeout(timer));
    }
    return this.exited;
  }

  /** Sends a signal to the whole process group, so grandchildren get it too. */
  #signalGroup(signal: NodeJS.Signals): void {
    if (this.#pid === null) return;
    try {
      process.kill(-this.#pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  #pipe(stream: "stdout" | "stderr", echo: AgentLaunch["echo"]): void {
    const source = this.#child[stream];
    if (source === null) return;
    const target = stream === "stdout" ? process.stdout : process.stderr;
    const lines = new LineSplitter((line) => this.#bus.publish({ type: "agent.output", agentId: this.id, run: this.run, stream, line }));
    source.on("data", (chunk: Buffer) => {
      if (echo !== false) target.write(echo.prefix === "" ? chunk : prefixLines(chunk.toString("utf8"), echo.prefix));
      lines.push(chunk);
    });
    source.on("end", () => lines.flush());
  }

  #transition(to: AgentState, reason: string, exitCode: number | null = null, signal: string | null = null): void {
    const from = this.#state;
    this.#state = to;
    this.#bus.publish({ type: "agent.state", agentId: this.id, run: this.run, from, to, reason, pid: this.#pid, exitCode, signal });
  }
}

function prefixLines(text: string, prefix: string): string {
  return text.replace(/^(?=.)/gm, prefix);
}
