// The state file `iron calls`, `iron agents`, `iron watch` and `iron dashboard` read.
import { findConfig } from "../config/load-config.js";
import { DEFAULT_STATE_PATH, resolveStateLocation } from "../store/open-store.js";
import type { StateFlags } from "./state-options.js";

/** The state file the look-back commands read: --state, else IRON_STATE, else iron.yaml's `state:`, else the default. */
export function statePath(flags: Pick<StateFlags, "state">, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.state !== undefined) return flags.state;
  if (env.IRON_STATE !== undefined && env.IRON_STATE !== "") return env.IRON_STATE;
  const config = findConfig(undefined);
  return config?.config.state === undefined ? DEFAULT_STATE_PATH : resolveStateLocation(config.dir, config.config.state);
}
