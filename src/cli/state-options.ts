// The flags `iron run` and `iron demo` share for state and the stream, and what they mean.
import { Option, type Command } from "commander";
import { resolve } from "node:path";
import { findConfig } from "../config/load-config.js";
import { DEFAULT_STATE_PATH } from "../store/open-store.js";
import type { SupervisorOptions } from "../supervisor/options.js";
import { parsePort } from "./parse-options.js";

export interface StateFlags {
  readonly state?: string;
  /** False after --no-stream. */
  readonly stream: boolean;
  readonly streamPort?: number;
  readonly streamHost?: string;
}

const STATE_HELP = `SQLite state file: call ledger, budgets, events (default: $IRON_STATE, else iron.yaml's state:, else ${DEFAULT_STATE_PATH})`;

/** Adds --state, --stream-port, --stream-host and --no-stream to a command. */
export function addStateOptions(command: Command, stateHelp: string = STATE_HELP): Command {
  return command
    .option("--state <path>", stateHelp)
    .option("--stream-port <port>", "port of the live event stream (default: any free port)", parsePort)
    .addOption(new Option("--stream-host <addr>", "address the event stream binds (default 127.0.0.1; 0.0.0.0 for remote dashboards)"))
    .option("--no-stream", "do not serve the live event stream");
}

/** The state file the look-back commands read: --state, else IRON_STATE, else iron.yaml's `state:`, else the default. */
export function statePath(flags: Pick<StateFlags, "state">, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.state !== undefined) return flags.state;
  if (env.IRON_STATE !== undefined && env.IRON_STATE !== "") return env.IRON_STATE;
  const config = findConfig(undefined);
  return config?.config.state === undefined ? DEFAULT_STATE_PATH : resolve(config.dir, config.config.state);
}

/** `iron run`'s state and stream: flags (and IRON_STATE) over the config file's, over the defaults. */
export function runStateOptions(flags: StateFlags, fromConfig: Pick<SupervisorOptions, "state" | "stream">, env: NodeJS.ProcessEnv = process.env): Pick<SupervisorOptions, "state" | "stream"> {
  const envState = env.IRON_STATE !== undefined && env.IRON_STATE !== "" ? env.IRON_STATE : undefined;
  const state = flags.state ?? envState ?? fromConfig.state ?? DEFAULT_STATE_PATH;
  const given = { ...(flags.streamPort !== undefined && { port: flags.streamPort }), ...(flags.streamHost !== undefined && { host: flags.streamHost }) };
  const base = fromConfig.stream;
  if (!flags.stream || (base === false && Object.keys(given).length === 0)) return { state, stream: false };
  return { state, stream: { ...(base === false || base === undefined ? {} : base), ...given } };
}

/** The supervisor options for state and stream (`iron demo`, which reads no config file). */
export function stateOptions(flags: StateFlags, state: string): Pick<SupervisorOptions, "state" | "stream"> {
  return {
    state,
    stream: flags.stream
      ? { ...(flags.streamPort !== undefined && { port: flags.streamPort }), ...(flags.streamHost !== undefined && { host: flags.streamHost }) }
      : false,
  };
}
