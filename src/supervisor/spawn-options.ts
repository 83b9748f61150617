// What `sup.spawn()` takes, and the checks a TypeScript caller (no iron.yaml, no zod) gets on it.
import { IronError } from "../errors.js";
import type { LifecycleOptions } from "../lifecycle/lifecycle-options.js";
import { usdToMicros } from "../policy/money.js";

/** What `sup.spawn()` takes (restart policy, timeouts and backoff: see LifecycleOptions). */
export interface SpawnOptions extends LifecycleOptions {
  /** Path of the agent's Python script. */
  readonly script: string;
  readonly args?: readonly string[];
  /** Agent id; defaults to the script's name, made unique. */
  readonly name?: string;
  readonly python?: string;
  readonly cwd?: string;
  /** Extra environment variables for the agent. */
  readonly env?: Readonly<Record<string, string>>;
  /** This agent's own budget in USD (on top of the supervisor-wide one). */
  readonly budgetUsd?: number;
  /** Grace period between SIGTERM and SIGKILL when stopping, in milliseconds (default 5000). */
  readonly stopTimeoutMs?: number;
  /** Copy the agent's output to iron's stdout/stderr, as is or with a `[id] ` prefix per line. Default: no copy. */
  readonly echo?: boolean | "prefixed";
  /** Python processes the agent starts install the shim too and report as its sub-processes (default true). */
  readonly governChildren?: boolean;
}

/** The spawn options the supervisor acts on, checked: an agent budget, child governance, output echo. */
export interface CheckedSpawn {
  readonly budgetMicros: number | null;
  readonly governChildren: boolean;
  readonly echo: false | { readonly prefix: string };
}

// Refuses a budget or a flag of the wrong kind before anything starts, naming the key.
export function checkSpawnOptions(options: SpawnOptions, id: string): CheckedSpawn {
  if (options.budgetUsd !== undefined && !(Number.isFinite(options.budgetUsd) && options.budgetUsd >= 0)) {
    throw new IronError("IRON_ERR_CONFIG", "invalid agent budget", { path: "budgetUsd", expected: "a number of USD >= 0", got: options.budgetUsd });
  }
  if (options.governChildren !== undefined && typeof options.governChildren !== "boolean") {
    throw new IronError("IRON_ERR_CONFIG", "invalid agent option", { path: "governChildren", expected: "a boolean", got: options.governChildren });
  }
  return {
    budgetMicros: options.budgetUsd === undefined ? null : usdToMicros(options.budgetUsd),
    governChildren: options.governChildren ?? true,
    echo: options.echo === undefined || options.echo === false ? false : { prefix: options.echo === true ? "" : `[${id}] ` },
  };
}
