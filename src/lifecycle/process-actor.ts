// The agent machine's `process` actor for real processes: adapts a launch function (which spawns
// one incarnation) to the machine's events and commands.
import { fromCallback } from "xstate";
import type { ProcessCommand, ProcessEvent, ProcessInput } from "./agent-machine-types.js";

/** What a launch reports back to the machine. */
export interface IncarnationEvents {
  spawned(pid: number): void;
  exited(exitCode: number | null, signal: string | null): void;
  failed(message: string): void;
}

/** A launched incarnation, as the machine controls it. */
export interface Incarnation {
  signal(signal: NodeJS.Signals): void;
  dispose(): void;
}

/** Starts incarnation `input.run` of an agent. */
export type Launch = (input: ProcessInput, events: IncarnationEvents) => Incarnation;

/** The actor to provide as `process`: `agentMachine.provide({ actors: { process: processActor(launch) } })`. */
export function processActor(launch: Launch) {
  return fromCallback<ProcessCommand, ProcessInput>(({ input, sendBack, receive }) => {
    let live = true;
    // Nothing reaches the machine after it has left the state that invoked this actor.
    const send = (event: ProcessEvent): void => {
      if (live) sendBack(event);
    };
    let incarnation: Incarnation;
    try {
      incarnation = launch(input, {
        spawned: (pid) => send({ type: "process.spawned", pid }),
        exited: (exitCode, signal) => send({ type: "process.exited", exitCode, signal }),
        failed: (message) => send({ type: "process.error", message }),
      });
    } catch (error) {
      live = false; // the machine errors with this; the launch killed what it had started
      throw error;
    }
    receive((command) => incarnation.signal(command.signal as NodeJS.Signals));
    return () => {
      live = false;
      incarnation.dispose();
    };
  });
}
