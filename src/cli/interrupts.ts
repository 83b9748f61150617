// Ctrl-C and friends for `iron run` (and a closed output pipe): the first signal stops every agent gracefully (forwarding
// it to their process groups, which the terminal does not reach), the second kills them now.
import { FINAL_AGENT_STATES } from "../lifecycle/agent-machine-types.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { onOutputClosed } from "./closed-pipes.js";
import { PREFIX } from "./render.js";

const HANDLED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** What happened so far; `dispose()` restores the default handlers. */
export interface Interrupts {
  /** The first signal received, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Resolves with the first signal (at once when one came already). */
  next(): Promise<NodeJS.Signals>;
  dispose(): void;
}

/** Installs the handlers for the life of one `iron run`. */
export function handleInterrupts(supervisor: Supervisor, out: NodeJS.WritableStream): Interrupts {
  let first: NodeJS.Signals | null = null;
  let forced = false;
  let wake: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (wake = resolve));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first !== null) {
      forced = true;
      out.write(`${PREFIX} ${signal} again: killing every agent now\n`);
      for (const agent of supervisor.agents.values()) void agent.stop({ reason: `${signal} again`, force: true });
      return;
    }
    first = signal;
    wake(signal);
    const again = signal === "SIGINT" ? "press Ctrl-C again" : `send ${signal} again`;
    out.write(`\n${PREFIX} ${signal}: stopping every agent (${again} to kill them now)\n`);
    const reason = signal === "SIGINT" ? "Ctrl-C (SIGINT)" : `iron received ${signal}`;
    const agents = [...supervisor.agents.values()];
    const pending = new Set(agents.filter((agent) => !FINAL_AGENT_STATES.has(agent.state)).map((agent) => agent.id));
    for (const agent of agents) {
      void agent.stop({ reason, signal }).then(() => {
        if (!pending.delete(agent.id) || pending.size === 0 || forced) return;
        out.write(`${PREFIX} ${agent.id} has stopped; still stopping ${[...pending].join(", ")} (${again} to kill now)\n`);
      });
    }
  };
  for (const signal of HANDLED) process.on(signal, onSignal);
  // A closed stdout/stderr ends the run as SIGPIPE ends a Unix tool (exit 141), but gracefully:
  // the agents get SIGTERM and their exits are recorded.
  const stopListening = onOutputClosed((stream) => {
    if (first !== null) return;
    first = "SIGPIPE";
    wake("SIGPIPE");
    out.write(`${PREFIX} iron's ${stream} was closed (EPIPE): stopping every agent\n`);
    for (const agent of supervisor.agents.values()) void agent.stop({ reason: `iron's ${stream} was closed` });
  });
  return {
    get signal() {
      return first;
    },
    next: () => received,
    dispose() {
      for (const signal of HANDLED) process.off(signal, onSignal);
      stopListening();
    },
  };
}
