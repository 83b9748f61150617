// `iron run [options] agent.py [-- args]`: run agents with every LLM call governed.
import type { Command } from "commander";
import { planRun } from "../../config/run-plan.js";
import { loadPolicyFiles } from "../../policy/load-policies.js";
import { createLogger } from "../../telemetry/logger.js";
import { oneOf, parseMs, parseUsd } from "../parse-options.js";
import { runAgents } from "../run-agents.js";

interface RunFlags {
  readonly python?: string;
  readonly budget?: number;
  readonly failOpen?: boolean;
  readonly onDeny?: "response" | "raise";
  readonly timeout?: number;
  readonly stopTimeout?: number;
  readonly trace?: boolean;
  readonly quiet?: boolean;
  readonly logLevel?: string;
  readonly policy: string[];
  readonly config?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `iron run`. */
export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run a Python agent with the iron shim injected; its LLM calls are governed")
    .argument("[script]", "the agent's Python script (default: the agents listed in iron.yaml)")
    .argument("[args...]", "arguments for the agent (put them after --)")
    .option("--config <file>", "configuration file (default: ./iron.yaml when it exists); flags override it")
    .option("--python <path>", "Python interpreter (default: the active virtualenv's, else python3 on PATH)")
    .option("--budget <usd>", "budget for the whole run, in USD (0 = nothing may be spent)", parseUsd)
    .option("--fail-open", "let calls through when the supervisor cannot answer (default: deny)")
    .option("--on-deny <mode>", "how a denied call reaches the agent: response | raise", oneOf(["response", "raise"] as const))
    .option("--timeout <ms>", "how long the shim waits for a decision", parseMs)
    .option("--stop-timeout <ms>", "grace period between SIGTERM and SIGKILL when stopping", parseMs)
    .option("--policy <file>", "add a custom policy module (.ts/.js exporting a policy); repeatable", collect, [])
    .option("--trace", "print every decision as it is made")
    .option("-q, --quiet", "print no summary at the end")
    .option("--log-level <level>", "supervisor log level on stderr (debug, info, warn, error)", oneOf(["trace", "debug", "info", "warn", "error", "silent"] as const))
    .passThroughOptions()
    .action(async (script: string | undefined, args: string[], flags: RunFlags) => {
      const plan = await planRun({
        ...(flags.config !== undefined && { config: flags.config }),
        ...(script !== undefined && { script }),
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
        ...(flags.stopTimeout !== undefined && { stopTimeoutMs: flags.stopTimeout }),
      });
      process.exitCode = await runAgents({
        supervisor: plan.supervisor,
        agents: plan.agents,
        trace: flags.trace === true,
        quiet: flags.quiet === true,
      });
    });
}
