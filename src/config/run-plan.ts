// What `iron run` runs: iron.yaml (or --config FILE) first, command-line flags over it.
// A script on the command line runs that script (with its `agents:` entry's settings when
// the file lists it); without one, every agent the file lists runs.
import { resolve } from "node:path";
import { IronError } from "../errors.js";
import type { Policy } from "../policy/types.js";
import type { SupervisorOptions } from "../supervisor/options.js";
import { findConfig } from "./load-config.js";
import { optionsFromConfig, type AgentSpawn } from "./to-options.js";

/** Flags of `iron run` that override the file. */
export interface RunFlagOverrides {
  readonly config?: string;
  readonly script?: string;
  readonly args: readonly string[];
  /** Supervisor options set by flags (budgetUsd, python, failOpen, …); they win over the file. */
  readonly supervisor: SupervisorOptions;
  /** Policies from --policy, run after the file's. */
  readonly policies: readonly Policy[];
  readonly stopTimeoutMs?: number;
}

/** The supervisor options and agents of one `iron run`. */
export interface RunPlan {
  readonly supervisor: SupervisorOptions;
  readonly agents: readonly AgentSpawn[];
  /** The config file used, if any. */
  readonly configFile: string | null;
}

/** Merges the config file (if any) with the flags. */
export async function planRun(flags: RunFlagOverrides, cwd: string = process.cwd()): Promise<RunPlan> {
  const loaded = findConfig(flags.config, cwd);
  const fromFile = loaded === null ? null : await optionsFromConfig(loaded);
  const supervisor: SupervisorOptions = {
    ...fromFile?.supervisor,
    ...flags.supervisor,
    policies: [...(fromFile?.supervisor.policies ?? []), ...flags.policies],
  };
  const stop = flags.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: flags.stopTimeoutMs };
  let agents: AgentSpawn[];
  if (flags.script !== undefined) {
    const script = resolve(cwd, flags.script);
    const listed = fromFile?.agents.find((a) => a.script === script);
    agents = [{ ...listed, script: listed === undefined ? flags.script : script, ...(flags.args.length > 0 || listed === undefined ? { args: flags.args } : {}), ...stop }];
  } else {
    agents = (fromFile?.agents ?? []).map((a) => ({ ...a, ...stop }));
    if (agents.length === 0) {
      throw new IronError("IRON_ERR_USAGE", "nothing to run", { expected: "a script (iron run agent.py) or agents: in iron.yaml", got: loaded === null ? "no script and no iron.yaml" : `no agents in ${loaded.file}` });
    }
  }
  return { supervisor, agents, configFile: loaded?.file ?? null };
}
