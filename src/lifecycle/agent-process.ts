// One incarnation of an agent as an OS process: spawned as the leader of its own process group,
// its output read continuously (so it never blocks on a full pipe), signals sent to the whole
// group, and its end reported only once nothing of the group is left.
import { messageOf } from "../errors.js";
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { trackGroup, untrackGroup } from "./live-groups.js";
import { readProcStat } from "./proc-stat.js";
import { signalGroup, terminateGroup } from "./process-group.js";

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Grace period for what the main process leaves running in its group when it ends. */
  readonly stopTimeoutMs: number;
}

export interface ProcessCallbacks {
  /** The process exists; `startTicks` (Linux) identifies it beyond its pid. */
  spawned(pid: number, startTicks: number | null): void;
  output(stream: "stdout" | "stderr", chunk: Buffer): void;
  /** Once: the main process ended, its group is empty and its output has been read. */
  exited(exitCode: number | null, signal: string | null): void;
  /** Once, instead of everything else: the process could not be spawned. */
  failed(message: string): void;
}

/** A running incarnation. */
export interface AgentProcess {
  readonly pid: number | null;
  /** Signals the whole process group (a stop signal is followed by SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  /** Kills whatever is left if the incarnation was abandoned before it ended. */
  dispose(): void;
}

/** How long to wait for the output pipes to close once the group is empty (a setsid'd escapee may hold them). */
const OUTPUT_DRAIN_MS = 500;

/** Spawns the process; every outcome arrives through the callbacks. */
export function startAgentProcess(spec: ProcessSpec, callbacks: ProcessCallbacks): AgentProcess {
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: { ...spec.env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    queueMicrotask(() => callbacks.failed(messageOf(error)));
    return { pid: null, signal: () => undefined, dispose: () => undefined };
  }
  const pid = child.pid;
  if (pid === undefined) {
    child.once("error", (error) => callbacks.failed(messageOf(error)));
    return { pid: null, signal: () => undefined, dispose: () => undefined };
  }
  let ended = false;
  trackGroup(pid);
  child.on("error", () => undefined); // later errors (a failed kill) are not the agent's end
  const drained = [drain(child, "stdout", callbacks), drain(child, "stderr", callbacks)];
  child.once("exit", (code, signal) => {
    void (async () => {
      await terminateGroup(pid, "SIGTERM", spec.stopTimeoutMs);
      untrackGroup(pid);
      await Promise.race([Promise.all(drained), sleep(OUTPUT_DRAIN_MS)]);
      child.stdout?.destroy();
      child.stderr?.destroy();
      ended = true;
      callbacks.exited(code, signal);
    })();
  });
  try {
    callbacks.spawned(pid, readProcStat(pid)?.startTicks ?? null);
  } catch (error) {
    signalGroup(pid, "SIGKILL"); // nobody could control it: it must not run
    throw error;
  }
  return {
    pid,
    signal(signal) {
      if (!ended) signalGroup(pid, signal);
    },
    dispose() {
      if (!ended) signalGroup(pid, "SIGKILL");
    },
  };
}

// Reads one output pipe to its end; resolves when it closed.
function drain(child: ChildProcess, stream: "stdout" | "stderr", callbacks: ProcessCallbacks): Promise<void> {
  const source = child[stream];
  if (source === null) return Promise.resolve();
  source.on("data", (chunk: Buffer) => callbacks.output(stream, chunk));
  return new Promise((resolve) => source.once("close", () => resolve()));
}
