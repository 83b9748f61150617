// The flags `iron run` and `iron demo` share for state and the stream, and what they mean.
import { Option, type Command } from "commander";
import { DEFAULT_STATE_PATH } from "../store/open-store.js";
import type { SupervisorOptions } from "../supervisor/options.js";
import { parsePort } from "./parse-options.js";

export interface StateFlags {
  readonly state?: string;
  /** False after --no-stream. */
  readonly stream: boolean;
  readonly streamPort?: number;
  readonly streamHost?: string;
  /** --dashboard / --no-dashboard; undefined: the config file's, else on. */
  readonly dashboard?: boolean;
}

const STATE_HELP = `SQLite state file, or a postgres:// URL shared by a fleet: call ledger, budgets, events (default $IRON_STATE, else iron.yaml's state:, else ${DEFAULT_STATE_PATH})`;

/** Adds --state, --stream-port, --stream-host and --no-stream to a command. */
export function addStateOptions(command: Command, stateHelp: string = STATE_HELP): Command {
  return command
    .option("--state <path>", stateHelp)
    .option("--stream-port <port>", "port of the live event stream (default any free port)", parsePort)
    .addOption(new Option("--stream-host <addr>", "address the event stream binds (default 127.0.0.1; 0.0.0.0 for remote dashboards)"))
    .option("--no-stream", "do not serve the live event stream")
    .option("--dashboard", "serve the web dashboard at / on the stream's port (default on whenever the stream is)")
    .option("--no-dashboard", "serve only the event stream: / and /api answer 404");
}

/** `iron run`'s state and stream: flags (and IRON_STATE) over the config file's, over the defaults. */
export function runStateOptions(flags: StateFlags, fromConfig: Pick<SupervisorOptions, "state" | "stream">, env: NodeJS.ProcessEnv = process.env): Pick<SupervisorOptions, "state" | "stream"> {
  const envState = env.IRON_STATE !== undefined && env.IRON_STATE !== "" ? env.IRON_STATE : undefined;
  const state = flags.state ?? envState ?? fromConfig.state ?? DEFAULT_STATE_PATH;
  const given = {
    ...(flags.streamPort !== undefined && { port: flags.streamPort }),
    ...(flags.streamHost !== undefined && { host: flags.streamHost }),
    ...(flags.dashboard !== undefined && { dashboard: flags.dashboard }),
  };
  const base = fromConfig.stream;
  // --stream-port or --stream-host turn on a stream the config file turned off; --dashboard alone does not.
  if (!flags.stream || (base === false && flags.streamPort === undefined && flags.streamHost === undefined)) return { state, stream: false };
  return { state, stream: { ...(base === false || base === undefined ? {} : base), ...given } };
}

/** The supervisor options for state and stream (`iron demo`, which reads no config file). */
export function stateOptions(flags: StateFlags, state: string): Pick<SupervisorOptions, "state" | "stream"> {
  return {
    state,
    stream: flags.stream
      ? {
          ...(flags.streamPort !== undefined && { port: flags.streamPort }),
          ...(flags.streamHost !== undefined && { host: flags.streamHost }),
          ...(flags.dashboard !== undefined && { dashboard: flags.dashboard }),
        }
      : false,
  };
}
