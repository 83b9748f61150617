// What `iron run` runs: iron.yaml (or --config FILE) first, command-line flags over it.
// Scripts on the command line run those scripts (each with its `agents:` entry's settings
// when the file lists it); without any, every agent the file lists runs.
import { resolve } from "node:path";
import { IronError } from "../errors.js";
import type { Policy } from "../policy/types.js";
import type { SupervisorOptions } from "../supervisor/options.js";
import type { SpawnOptions } from "../supervisor/supervisor.js";
import { existsSync } from "node:fs";
import { DEFAULT_CONFIG_FILE } from "./config-file.js";
import type { LoadedConfig } from "./load-config.js";
import { optionsFromConfig, type AgentSpawn } from "./to-options.js";

/** Flags of `iron run` that override the file. */
export interface RunFlagOverrides {
  readonly config?: string;
  readonly scripts: readonly string[];
  /** Arguments for the agent (only with a single script). */
  readonly args: readonly string[];
  /** Supervisor options set by flags (budgetUsd, python, failOpen, …); they win over the file. */
  readonly supervisor: SupervisorOptions;
  /** Policies from --policy, run after the file's. */
  readonly policies: readonly Policy[];
  /** Per-agent settings set by flags (restart policy, timeouts, ...); they win over the file's. */
  readonly agent: Omit<SpawnOptions, "script">;
}

/** The supervisor options and agents of one `iron run`. */
export interface RunPlan {
  readonly supervisor: SupervisorOptions;
  readonly agents: readonly AgentSpawn[];
  /** The config file used, if any. */
  readonly configFile: string | null;
}

/** `--config FILE` when given, else ./iron.yaml when it exists, else none: the parser loads only for a file. */
async function findConfigLazily(explicit: string | undefined, cwd: string): Promise<LoadedConfig | null> {
  if (explicit === undefined && !existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) return null;
  return (await import("./load-config.js")).findConfig(explicit, cwd);
}

/** Merges the config file (if any) with the flags. */
export async function planRun(flags: RunFlagOverrides, cwd: string = process.cwd()): Promise<RunPlan> {
  const loaded = await findConfigLazily(flags.config, cwd);
  const fromFile = loaded === null ? null : await optionsFromConfig(loaded);
  const supervisor: SupervisorOptions = {
    ...fromFile?.supervisor,
    ...flags.supervisor,
    policies: [...(fromFile?.supervisor.policies ?? []), ...flags.policies],
  };
  let agents: AgentSpawn[];
  if (flags.scripts.length > 0) {
    agents = flags.scripts.map((given) => {
      const script = resolve(cwd, given);
      const listed = fromFile?.agents.find((a) => a.script === script);
      const args = flags.args.length > 0 || listed === undefined ? { args: flags.args } : {};
      return { ...listed, script: listed === undefined ? given : script, ...args, ...flags.agent };
    });
  } else {
    agents = (fromFile?.agents ?? []).map((a) => ({ ...a, ...flags.agent }));
    if (agents.length === 0) {
      throw new IronError("IRON_ERR_USAGE", "nothing to run", {
        expected: "a script (iron run agent.py) or agents: in iron.yaml",
        got: loaded === null ? "no script and no iron.yaml" : `no agents in ${loaded.file}`,
      });
    }
  }
  return { supervisor, agents, configFile: loaded?.file ?? null };
}
