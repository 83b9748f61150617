// Runs agents under one supervisor until they exit: the body of `iron run` and `iron demo`.
import { constants } from "node:os";
import type { AgentExit } from "../supervisor/agent.js";
import type { SupervisorOptions } from "../supervisor/options.js";
import { Supervisor, type SpawnOptions } from "../supervisor/supervisor.js";
import { PREFIX, summaryLines, traceLine } from "./render.js";
import { announceState } from "./announce-state.js";
import { exitCodeFor } from "./exit-codes.js";

export interface RunAgentsOptions {
  readonly supervisor: SupervisorOptions;
  readonly agents: readonly SpawnOptions[];
  /** Print every decision as it happens. */
  readonly trace: boolean;
  /** Print no summary. */
  readonly quiet: boolean;
  /** Called once the supervisor is up, before any agent starts (the demo adds its policy here). */
  readonly onStart?: (supervisor: Supervisor) => void;
}

/** Exit code for an agent's end: its own code, or 128 + the signal number, like a shell. */
export function exitCodeOf(exit: AgentExit): number {
  if (exit.exitCode !== null) return exit.exitCode;
  const signo = exit.signal === null ? undefined : constants.signals[exit.signal as NodeJS.Signals];
  return signo === undefined ? 1 : 128 + signo;
}

function describeExit(exit: AgentExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.exitCode}`;
}

/** Starts the supervisor and the agents, forwards signals, prints the summary, returns the exit code. */
export async function runAgents(options: RunAgentsOptions): Promise<number> {
  const out = process.stderr;
  const supervisor = await Supervisor.start(options.supervisor);
  const unannounce = announceState(supervisor, options.supervisor.state, out, options.quiet);
  const models = new Map<string, string | null>();
  if (options.trace) {
    supervisor.on("event", (event) => {
      const line = traceLine(event, models);
      if (line !== null) out.write(`${line}\n`);
    });
  }
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted !== null) {
      out.write(`${PREFIX} ${signal} again: killing agents now\n`);
      for (const agent of supervisor.agents.values()) void agent.stop({ timeoutMs: 1, reason: `second ${signal}` });
      return;
    }
    interrupted = signal;
    out.write(`\n${PREFIX} ${signal}: stopping agents (press Ctrl-C again to force)\n`);
    for (const agent of supervisor.agents.values()) void agent.stop({ reason: signal });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = performance.now();
  try {
    options.onStart?.(supervisor);
    const multi = options.agents.length > 1;
    const agents = [];
    for (const spawn of options.agents) agents.push(await supervisor.spawn({ ...spawn, echo: spawn.echo ?? (multi ? "prefixed" : true) }));
    const exits = await Promise.all(agents.map((agent) => agent.exited));
    const seconds = (performance.now() - started) / 1000;
    if (!options.quiet) {
      agents.forEach((agent, i) => {
        for (const line of summaryLines(agent.id, describeExit(exits[i] as AgentExit), seconds, agent.metrics)) out.write(`${line}\n`);
      });
    }
    if (interrupted !== null) return 128 + (constants.signals[interrupted] ?? 2);
    if (supervisor.storeError !== null) return exitCodeFor("IRON_ERR_STORE");
    const failed = exits.find((exit) => exitCodeOf(exit) !== 0);
    return failed === undefined ? 0 : exitCodeOf(failed);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    unannounce();
    await supervisor.close();
  }
}
