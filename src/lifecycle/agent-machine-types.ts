// Types shared by the agent machine, its process actor and the Agent handle.
import type { LifecycleConfig } from "./lifecycle-options.js";

/**
 * Where an agent is in its life (the `to` of every `agent.state` event):
 * - `starting`: its process is spawned; its shim has not said hello with the right token yet.
 * - `running`: the shim said hello; LLM calls are governed and heartbeats are watched.
 * - `hung`: running, but no heartbeat came within `heartbeatTimeoutMs` (back to `running` when one does).
 * - `stopping`: iron sent the stop signal to the agent's process group and waits for it to end
 *   (SIGKILL after the grace period).
 * - `backoff`: it ended and will be started again after a delay.
 * - `crashed`: its process ended with a non-zero code or a signal, did not connect in time, or was
 *   killed as hung; followed by `backoff` or `failed` when a restart is due, else final.
 * - `exited`: its process ended on its own with code 0; followed by `backoff` under `restart: "always"`, else final.
 * - `stopped`: final — it ended after iron asked it to stop; never restarted.
 * - `failed`: final — it could not be spawned, its process ended on its own before `minUptimeMs` (a failed
 *   start, never restarted), or it needed more restarts than allowed within the window.
 */
export type AgentState = "starting" | "running" | "hung" | "stopping" | "backoff" | "crashed" | "exited" | "stopped" | "failed";

/** The states an agent can end in. */
export type FinalAgentState = "stopped" | "exited" | "crashed" | "failed";

/** The final states, to test a state seen in an event or on an agent. */
export const FINAL_AGENT_STATES: ReadonlySet<string> = new Set<FinalAgentState>(["stopped", "exited", "crashed", "failed"]);

/** How an agent ended, as `agent.exited` resolves. */
export interface AgentExit {
  readonly state: FinalAgentState;
  /** Exit code of the last process, or null when a signal ended it (or it never ran). */
  readonly exitCode: number | null;
  /** Name of the signal that ended the last process, e.g. `SIGKILL`. */
  readonly signal: string | null;
  readonly reason: string;
  /** How many times it was restarted. */
  readonly restarts: number;
  /** Set when iron itself could not run it: `IRON_ERR_SPAWN` or `IRON_ERR_AGENT_STARTUP`. */
  readonly code: "IRON_ERR_SPAWN" | "IRON_ERR_AGENT_STARTUP" | null;
}

/** What the process actor reports about the incarnation it runs. */
export type ProcessEvent =
  | { readonly type: "process.spawned"; readonly pid: number }
  /** The process ended and nothing of its process group is left. */
  | { readonly type: "process.exited"; readonly exitCode: number | null; readonly signal: string | null }
  /** The process could not be spawned at all (e.g. the interpreter is not executable). */
  | { readonly type: "process.error"; readonly message: string };

/** Asking for a stop: by the user, a policy, a budget, Ctrl-C or the supervisor closing. */
export interface StopCommand {
  readonly type: "stop";
  readonly reason: string;
  /** The first signal sent to the process group (default SIGTERM). */
  readonly signal?: string;
  /** Grace period before SIGKILL (default: the agent's stopTimeoutMs). */
  readonly timeoutMs?: number;
  /** Kill now with SIGKILL (a second Ctrl-C). */
  readonly force?: boolean;
}

/**
 * An operator's restart (dashboard, `agent.restart()`): a live agent is stopped and started
 * again at once as a new run, whatever its restart policy; one in backoff starts now.
 */
export interface RestartCommand {
  readonly type: "restart";
  readonly reason: string;
}

/** An operator's start of an agent waiting in backoff: the next run starts now instead of after the delay. */
export interface StartCommand {
  readonly type: "start";
  readonly reason: string;
}

/** Every event the agent machine accepts. */
export type AgentEvent = ProcessEvent | { readonly type: "shim.connected" } | { readonly type: "shim.heartbeat" } | StopCommand | RestartCommand | StartCommand | { readonly type: "window.expired" };

/** What the machine tells the process actor: send a signal to the process group. */
export interface ProcessCommand {
  readonly type: "signal";
  readonly signal: string;
}

/** What the process actor is started with. */
export interface ProcessInput {
  /** Incarnation number: 1 for the first process, 2 after the first restart, … */
  readonly run: number;
  readonly stopTimeoutMs: number;
}

/** A state change, emitted on every transition (the Agent publishes it as `agent.state`). */
export interface StateChange {
  readonly type: "state";
  readonly from: AgentState | "new";
  readonly to: AgentState;
  readonly reason: string;
  readonly run: number;
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/**
 * A stop in progress: `stop` ends the agent for good, `restart` lets its restart policy decide,
 * `relaunch` (an operator's restart) starts the next run as soon as the process has ended.
 */
export interface StopRequest {
  readonly intent: "stop" | "restart" | "relaunch";
  readonly reason: string;
  readonly signal: string;
  readonly timeoutMs: number;
}

export interface AgentMachineInput {
  readonly config: LifecycleConfig;
  /** A number in [0, 1) for the backoff jitter (default Math.random). */
  readonly random?: () => number;
  /**
   * Continue an agent whose machine had ended (stopped, exited, crashed or failed) when an
   * operator starts it again: its first process is run `run`, its restart count carries on,
   * and its first state change comes `from` the state it had ended in.
   */
  readonly resume?: { readonly run: number; readonly restarts: number; readonly from: AgentState; readonly reason: string };
}

export interface AgentContext {
  readonly config: LifecycleConfig;
  readonly random: () => number;
  readonly state: AgentState | "new";
  readonly run: number;
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly reason: string;
  readonly code: AgentExit["code"];
  readonly restarts: number;
  /** The current process has lived `minUptimeMs`: its crash is no longer a failed start. */
  readonly pastMinUptime: boolean;
  /** Restarts whose window has not expired yet. */
  readonly restartsInWindow: number;
  /** Restarts since the agent was last stable: the backoff exponent. */
  readonly attempt: number;
  readonly backoffMs: number;
  readonly stop: StopRequest | null;
  /** Why the next process starts, when an operator asked for it (its `starting` reason). */
  readonly startNote: string | null;
}
