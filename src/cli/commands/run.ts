// `iron run [options] [scripts...] [-- args]`: run agents with every LLM call governed.
import { InvalidArgumentError, type Command } from "commander";
import { planRun } from "../../config/run-plan.js";
import type { HangAction, RestartPolicy } from "../../lifecycle/lifecycle-options.js";
import { loadPolicyFiles } from "../../config/load-policies.js";
import type { SpawnOptions } from "../../supervisor/supervisor.js";
import { createLogger } from "../../telemetry/logger.js";
import { oneOf, parseCount, parseDuration, parseUsd } from "../parse-options.js";
import { runAgents } from "../run-agents.js";
import { addStateOptions, runStateOptions, type StateFlags } from "../state-options.js";
import { splitScriptsAndArgs } from "./run-args.js";

interface RunFlags extends StateFlags {
  readonly python?: string;
  readonly budget?: number;
  readonly failOpen?: boolean;
  readonly onDeny?: "response" | "raise";
  readonly timeout?: number;
  readonly stopTimeout?: number;
  readonly minUptime?: number;
  readonly trace?: boolean;
  readonly quiet?: boolean;
  readonly logLevel?: string;
  readonly policy: string[];
  readonly restart?: RestartPolicy;
  readonly maxRestarts?: number;
  readonly restartWindow?: number;
  readonly backoff?: number;
  readonly backoffMax?: number;
  readonly startupTimeout?: number;
  readonly heartbeatTimeout?: number;
  readonly onHang?: HangAction;
  readonly governChildren: boolean;
  readonly config?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const duration = parseDuration();
const durationOrOff = parseDuration({ allowZero: true });

// The per-agent lifecycle options the flags set (the same for every script given).
function lifecycleFrom(flags: RunFlags): Omit<SpawnOptions, "script"> {
  return {
    ...(flags.stopTimeout !== undefined && { stopTimeoutMs: flags.stopTimeout }),
    ...(flags.minUptime !== undefined && { minUptimeMs: flags.minUptime }),
    ...(flags.restart !== undefined && { restart: flags.restart }),
    ...(flags.maxRestarts !== undefined && { maxRestarts: flags.maxRestarts }),
    ...(flags.restartWindow !== undefined && { restartWindowMs: flags.restartWindow }),
    ...((flags.backoff !== undefined || flags.backoffMax !== undefined) && {
      backoff: { ...(flags.backoff !== undefined && { initialMs: flags.backoff }), ...(flags.backoffMax !== undefined && { maxMs: flags.backoffMax }) },
    }),
    ...(flags.startupTimeout !== undefined && { startupTimeoutMs: flags.startupTimeout }),
    ...(flags.heartbeatTimeout !== undefined && { heartbeatTimeoutMs: flags.heartbeatTimeout }),
    ...(flags.onHang !== undefined && { onHang: flags.onHang }),
    governChildren: flags.governChildren,
  };
}

/** Registers `iron run`. */
export function registerRun(program: Command): void {
  const command = program
    .command("run")
    .description("run Python agents with the iron shim injected; their LLM calls are governed")
    .usage("[options] [script...] [-- args...]")
    .argument("[scripts...]", "the agents' Python scripts, several side by side (default the agents listed in iron.yaml); arguments for a single agent go after --")
    .option("--config <file>", "configuration file (default ./iron.yaml when it exists); flags override it")
    .option("--python <path>", "Python interpreter (default the active virtualenv's, else python3 on PATH)")
    .option("--budget <usd>", "budget across every agent in USD, against the spend recorded in the state file (0 = nothing may be spent)", parseUsd)
    .option("--fail-open", "let calls through when the supervisor cannot answer (default deny)")
    .option("--on-deny <mode>", "how a denied call reaches the agent: response | raise", oneOf(["response", "raise"] as const))
    .option("--timeout <duration>", "how long the shim waits for a decision (default 5s)", duration)
    .option("--restart <policy>", "never | on-failure | always (default on-failure)", oneOf(["never", "on-failure", "always"] as const))
    .option("--max-restarts <n>", "restarts allowed within the restart window before the agent fails (default 5)", parseCount)
    .option("--restart-window <duration>", "the window restarts are counted in, e.g. 60s (default 60s)", duration)
    .option("--backoff <duration>", "delay before the first restart, doubling each time (default 500ms)", durationOrOff)
    .option("--backoff-max <duration>", "longest delay between restarts (default 30s)", durationOrOff)
    .option("--stop-timeout <duration>", "grace period between the stop signal and SIGKILL (default 5s)", duration)
    .option("--min-uptime <duration>", "an agent that dies sooner than this after starting failed to start: it is not restarted; 0 turns it off (default 3s)", durationOrOff)
    .option("--startup-timeout <duration>", "time the shim has to connect before the agent counts as crashed (default 10s)", duration)
    .option("--heartbeat-timeout <duration>", "no heartbeat for this long marks an agent hung; 0 turns it off (default 30s)", durationOrOff)
    .option("--on-hang <action>", "report | restart a hung agent (default report)", oneOf(["report", "restart"] as const))
    .option("--no-govern-children", "Python processes an agent starts are not governed")
    .option("--policy <file>", "add a custom policy module (.ts/.js exporting a policy); repeatable", collect, [] as string[])
    .option("--trace", "print every decision as it is made")
    .option("-q, --quiet", "print no summary and no restart notices")
    .option("--log-level <level>", "supervisor log level on stderr (debug, info, warn, error)", oneOf(["trace", "debug", "info", "warn", "error", "silent"] as const))
    .addHelpText(
      "after",
      [
        "",
        "Durations take a unit (500ms, 5s, 2m, 1h); a bare number is seconds.",
        "",
        "Examples:",
        "  iron run agent.py                      run one agent, its calls governed",
        "  iron run agent.py -- --topic tea       arguments for the agent go after --",
        "  iron run --budget 0.50 a.py b.py       two agents sharing $0.50",
        "  iron run --min-uptime 0 --restart always worker.py",
      ].join("\n"),
    );
  addStateOptions(command).action(async (operands: string[], flags: RunFlags, command: Command) => {
    // commander keeps the raw argv (untyped) on the root command: it is where `--` was.
    const rawArgs = (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
    const { scripts, args } = splitScriptsAndArgs(operands, rawArgs);
    if (flags.backoff !== undefined && flags.backoffMax !== undefined && flags.backoffMax < flags.backoff) {
      throw new InvalidArgumentError("--backoff-max must be at least --backoff");
    }
    const plan = await planRun({
      ...(flags.config !== undefined && { config: flags.config }),
      scripts,
      args,
      supervisor: {
        logger: createLogger(flags.logLevel === undefined ? {} : { level: flags.logLevel }),
        ...(flags.budget !== undefined && { budgetUsd: flags.budget }),
        ...(flags.failOpen !== undefined && { failOpen: flags.failOpen }),
        ...(flags.onDeny !== undefined && { onDeny: flags.onDeny }),
        ...(flags.timeout !== undefined && { decisionTimeoutMs: flags.timeout }),
        ...(flags.python !== undefined && { python: flags.python }),
      },
      policies: await loadPolicyFiles(flags.policy),
      agent: lifecycleFrom(flags),
    });
    process.exitCode = await runAgents({
      supervisor: { ...plan.supervisor, ...runStateOptions(flags, plan.supervisor) },
      agents: plan.agents,
      trace: flags.trace === true,
      quiet: flags.quiet === true,
    });
  });
}
