// Runs agents under one supervisor until they end: the body of `iron run` and `iron demo`.
import { constants } from "node:os";
import { type AgentExit, FINAL_AGENT_STATES } from "../lifecycle/agent-machine-types.js";
import type { SupervisorOptions } from "../supervisor/options.js";
import { askPythonVersions, requirePythonVersion, resolvePython, resolveScript } from "../supervisor/python.js";
import { Supervisor, type SpawnOptions } from "../supervisor/supervisor.js";
import type { Agent } from "../supervisor/agent.js";
import { exitCodeFor } from "./exit-codes.js";
import { handleInterrupts } from "./interrupts.js";
import { describeEnd, lifecycleLine } from "./lifecycle-notices.js";
import { colorEnabled, paint } from "./color.js";
import { lineStyle, PREFIX, summaryLines, traceLine } from "./render.js";
import { announceState } from "./announce-state.js";

export interface RunAgentsOptions {
  readonly supervisor: SupervisorOptions;
  readonly agents: readonly SpawnOptions[];
  /** Print every decision as it happens. */
  readonly trace: boolean;
  /** Print no summary and no lifecycle lines. */
  readonly quiet: boolean;
  /** Called once the supervisor is up, before any agent starts (the demo adds its policy here). */
  readonly onStart?: (supervisor: Supervisor) => void;
  /** When the agents have ended, keep the supervisor up (for the dashboard) until SIGINT/SIGTERM. */
  readonly hold?: boolean;
}

// The agent's last end: when an operator starts it again (the dashboard) before the others end, wait for that life too.
async function lastExit(agent: Agent): Promise<AgentExit> {
  let exit = await agent.exited;
  while (!agent.ended) exit = await agent.exited;
  return exit;
}

/** Exit code for an agent's end: iron's code when iron could not run it, its own code, or 128 + the signal number. */
export function exitCodeOf(exit: AgentExit): number {
  if (exit.code !== null) return exitCodeFor(exit.code);
  if (exit.exitCode !== null) return exit.exitCode;
  const signo = exit.signal === null ? undefined : constants.signals[exit.signal as NodeJS.Signals];
  return signo === undefined ? 1 : 128 + signo;
}

/** True when the agent made calls and a budget denied every one: a run that did nothing, to show in the exit status. */
function starvedByBudget(agent: Agent): boolean {
  const m = agent.metrics;
  return m.calls > 0 && m.deniedByBudget === m.calls;
}

/** How long the summary waits for the events of the agents' ends to be delivered (committed) before it is printed anyway. */
const END_DELIVERY_WAIT_MS = 5000;

/** Why a budget denied an agent's calls: it had spent already, it is $0, or the call alone was too big for it. */
type StarvedCause = "spent" | "zero" | "too-big";

/**
 * The hint under a run a budget denied every call of. When the scope had spent nothing at the
 * denial, the call alone was too big: its worst case (the input and max_tokens at the model's
 * price) is reserved before it goes out, and it is more than the whole budget.
 */
function starvedHint(cause: StarvedCause): string {
  const head = `${PREFIX}   every LLM call was denied by a budget (IRON_ERR_BUDGET)`;
  if (cause === "zero") return `${head}; the budget is $0: raise --budget`;
  if (cause === "too-big")
    return `${head}; nothing had been spent: each call's worst-case cost (its input and max_tokens at the model's price, reserved before it goes out) exceeds the budget itself: raise --budget, or lower the call's max_tokens`;
  return `${head}; budgets count spend recorded in the state file by earlier runs: raise --budget, or start afresh with iron budget reset --all`;
}

/** Starts the supervisor and the agents, handles Ctrl-C, prints the summary, returns the exit code. */
export async function runAgents(options: RunAgentsOptions): Promise<number> {
  const out = process.stderr;
  // Every script exists before anything starts; the interpreters are asked their versions while the
  // supervisor starts, and one the shim cannot run on stops the run before anything is printed.
  const pythons = options.agents.map((spawn) => {
    resolveScript(spawn.script, spawn.cwd);
    return resolvePython(spawn.python ?? options.supervisor.python);
  });
  const asked = askPythonVersions(pythons);
  const supervisor = await Supervisor.start(options.supervisor);
  try {
    await asked;
    for (const python of pythons) requirePythonVersion(python);
  } catch (error) {
    await supervisor.close();
    throw error;
  }
  const unannounce = announceState(supervisor, options.supervisor.state, out, options.quiet);
  const models = new Map<string, string | null>();
  const memory = new Map<string, string>();
  const lastError = new Map<string, string>();
  // Why a budget denied each agent's calls; a denial after spend (by earlier runs) outweighs the others.
  const starvedCause = new Map<string, StarvedCause>();
  // Each agent's end as the bus delivered it: events arrive once committed, so the summary (built from them) waits for it.
  const endsDelivered = new Map<string, number>();
  let endDelivered = (): void => undefined;
  const color = colorEnabled(out);
  supervisor.on("event", (event) => {
    if (event.type === "budget.exhausted" && starvedCause.get(event.agentId) !== "spent") starvedCause.set(event.agentId, event.spent > 0 ? "spent" : event.limit === 0 ? "zero" : "too-big");
    if (event.type === "agent.state" && FINAL_AGENT_STATES.has(event.to)) {
      endsDelivered.set(event.agentId, event.run);
      endDelivered();
    }
    if (event.type === "agent.output" && event.stream === "stderr" && event.line.trim() !== "") lastError.set(event.agentId, event.line.trim());
    const line = (options.trace ? traceLine(event, models) : null) ?? (options.quiet ? null : lifecycleLine(event, memory));
    if (line !== null) out.write(`${paint(line, lineStyle(event), color)}\n`);
  });
  const interrupts = handleInterrupts(supervisor, out);
  try {
    options.onStart?.(supervisor);
    const multi = options.agents.length > 1;
    const runs: { agent: Agent; since: number }[] = [];
    for (const spawn of options.agents) {
      if (interrupts.signal !== null) break;
      runs.push({ agent: await supervisor.spawn({ ...spawn, echo: spawn.echo ?? (multi ? "prefixed" : true) }), since: performance.now() });
    }
    const exits = await Promise.all(runs.map(async ({ agent, since }) => ({ exit: await lastExit(agent), seconds: (performance.now() - since) / 1000 })));
    await new Promise<void>((done) => {
      const timer = setTimeout(done, END_DELIVERY_WAIT_MS);
      const check = (): void => {
        if (supervisor.storeError !== null || runs.every(({ agent }) => endsDelivered.get(agent.id) === agent.run)) {
          clearTimeout(timer);
          done();
        }
      };
      endDelivered = check;
      check();
    });
    if (!options.quiet) {
      runs.forEach(({ agent }, i) => {
        const { exit, seconds } = exits[i] as { exit: AgentExit; seconds: number };
        const { headline, restarts, detail } = describeEnd(exit);
        const [first, ...rest] = summaryLines(agent.id, headline, seconds, agent.metrics);
        const said = exit.state === "failed" && exit.code === null ? lastError.get(agent.id) : undefined;
        const details = [...(detail === null ? [] : [`${PREFIX}   ${detail}`]), ...(said === undefined ? [] : [`${PREFIX}   its last error line: ${said}`])];
        if (starvedByBudget(agent)) details.push(starvedHint(starvedCause.get(agent.id) ?? "spent"));
        for (const line of [`${first}${restarts}`, ...details, ...rest]) out.write(`${line}\n`);
      });
    }
    if (interrupts.signal !== null) return 128 + (constants.signals[interrupts.signal] ?? 2);
    if (supervisor.storeError !== null) return exitCodeFor("IRON_ERR_STORE");
    const failed = exits.find(({ exit }) => exitCodeOf(exit) !== 0);
    const starved = runs.some(({ agent }) => starvedByBudget(agent));
    const code = failed !== undefined ? exitCodeOf(failed.exit) : starved ? exitCodeFor("IRON_ERR_BUDGET") : 0;
    if (options.hold === true) {
      const url = supervisor.dashboardUrl;
      out.write(`${PREFIX} holding: the supervisor stays up${url === null ? "" : ` for the dashboard: ${url}`}\n`);
      out.write(`${PREFIX} press Ctrl-C to stop\n`);
      await interrupts.next();
    }
    return code;
  } finally {
    interrupts.dispose();
    unannounce();
    await supervisor.close();
  }
}
