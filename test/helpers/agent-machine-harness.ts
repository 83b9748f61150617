// The agent lifecycle machine with a fake process actor, a simulated clock and a recorder of
// state changes: what the machine tests drive instead of processes and real time.
import { createActor, fromCallback, SimulatedClock } from "xstate";
import { agentMachine } from "../../src/lifecycle/agent-machine.js";
import type { AgentMachineInput, ProcessCommand, ProcessInput, StateChange } from "../../src/lifecycle/agent-machine-types.js";
import { resolveLifecycle, type LifecycleOptions } from "../../src/lifecycle/lifecycle-options.js";

export interface FakeProcess {
  readonly run: number;
  readonly signals: string[];
  disposed: boolean;
  exit(exitCode: number | null, signal?: string | null): void;
}

/** The machine with a fake process actor, a simulated clock and a recorder of state changes. */
export function harness(options: LifecycleOptions, spawnError?: string, resume?: AgentMachineInput["resume"]) {
  const procs: FakeProcess[] = [];
  const fake = fromCallback<ProcessCommand, ProcessInput>(({ sendBack, receive, input }) => {
    if (spawnError !== undefined) {
      sendBack({ type: "process.error", message: spawnError });
      return;
    }
    const proc: FakeProcess = {
      run: input.run,
      signals: [],
      disposed: false,
      exit: (exitCode, signal = null) => sendBack({ type: "process.exited", exitCode, signal }),
    };
    procs.push(proc);
    receive((command) => proc.signals.push(command.signal));
    sendBack({ type: "process.spawned", pid: 1000 + input.run });
    return () => {
      proc.disposed = true;
    };
  });
  const clock = new SimulatedClock();
  const config = resolveLifecycle({ startupTimeoutMs: 5000, heartbeatTimeoutMs: 0, minUptimeMs: 0, ...options }, { startupTimeoutMs: 10_000, heartbeatMs: 1000 });
  const actor = createActor(agentMachine.provide({ actors: { process: fake } }), { input: { config, random: () => 0.5, ...(resume !== undefined && { resume }) }, clock });
  const changes: StateChange[] = [];
  actor.on("state", (change) => changes.push(change));
  actor.start();
  const last = (): FakeProcess => procs[procs.length - 1] as FakeProcess;
  return {
    actor,
    procs,
    changes,
    last,
    state: () => actor.getSnapshot().context.state,
    trail: () => changes.map((c) => c.to),
    /** Moves simulated time forward in 10 ms steps so timers set along the way fire on time. */
    advance(ms: number): void {
      for (let t = 0; t < ms; t += 10) clock.increment(Math.min(10, ms - t));
    },
    connect(): void {
      actor.send({ type: "shim.connected" });
    },
  };
}
