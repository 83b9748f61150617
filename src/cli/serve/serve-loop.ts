// The body of `iron serve`: a supervisor that agents started elsewhere join, until a signal.
// It prints how to attach, then a line as each agent joins, leaves or is refused (and every
// decision with --trace); on SIGINT/SIGTERM/SIGHUP it stops the agents it spawned, lets the
// joined ones see it go (their calls then fail closed), and prints the agents table.
import { hostname } from "node:os";
import type { SupervisorOptions } from "../../supervisor/options.js";
import { shimRoot } from "../../supervisor/paths.js";
import { Supervisor, type SpawnOptions } from "../../supervisor/supervisor.js";
import { lifecycleLine } from "../lifecycle-notices.js";
import { colorEnabled, paint } from "../color.js";
import { lineStyle, PREFIX, traceLine } from "../render.js";
import { announceState } from "../announce-state.js";
import { attachInstructions } from "./attach-instructions.js";
import { agentsTable, joinedLine, type AgentRow } from "./serve-notices.js";
import type { JoinTokenFile } from "./token-file.js";

export interface ServeLoopOptions {
  /** Supervisor options; `joinToken` and `socketPath` are set from `token` and the socket flag. */
  readonly supervisor: SupervisorOptions;
  readonly token: JoinTokenFile;
  /** Agents to spawn too (`--agents`: the config's `agents:`). */
  readonly agents: readonly SpawnOptions[];
  readonly trace: boolean;
  readonly quiet: boolean;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Serves until a signal; returns the exit code (0 after a clean stop). */
export async function serveUntilSignal(options: ServeLoopOptions): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  let first: NodeJS.Signals | null = null;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  let sup: Supervisor | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first !== null) {
      err.write(`${PREFIX} ${signal} again: killing the agents iron started now\n`);
      for (const agent of sup?.agents.values() ?? []) void agent.stop({ reason: `${signal} again`, force: true });
      return;
    }
    first = signal;
    err.write(`\n${PREFIX} ${signal}: stopping; joined agents see the supervisor go (their calls are denied until it is back)\n`);
    wake();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  let unannounce = (): void => undefined;
  try {
    sup = await Supervisor.start({ ...options.supervisor, joinToken: options.token.token });
    const joined = sup.joined;
    const models = new Map<string, string | null>();
    const memory = new Map<string, string>();
    sup.on("event", (event) => {
      const line = (options.trace ? traceLine(event, models) : null) ?? joinedLine(event, (id) => joined.has(id)) ?? (options.quiet ? null : lifecycleLine(event, memory));
      if (line !== null) err.write(`${paint(line, lineStyle(event), colorEnabled(err))}\n`);
    });
    unannounce = announceState(sup, options.supervisor.state, err, options.quiet);
    const info = {
      endpoints: sup.endpoints,
      tokenFile: options.token.path,
      created: options.token.created,
      pid: process.pid,
      host: hostname(),
      shimRoot: shimRoot(),
      tls: sup.tlsFingerprint === null ? null : { fingerprint: sup.tlsFingerprint, certFile: sup.tlsCertFile ?? "" },
    };
    out.write(`${attachInstructions(info).join("\n")}\n`);
    for (const spawn of options.agents) {
      if (first !== null) break;
      await sup.spawn({ ...spawn, echo: spawn.echo ?? "prefixed" });
    }
    await stopped;
    await sup.close({ reason: `iron serve received ${first ?? "a signal"}` });
    if (!options.quiet) err.write(`${agentsTable(rows(sup)).join("\n")}\n`);
    return 0;
  } finally {
    unannounce();
    for (const signal of SIGNALS) process.off(signal, onSignal);
    await sup?.close();
  }
}

// Every agent the supervisor knew, spawned and joined, for the table.
function rows(sup: Supervisor): AgentRow[] {
  const spawned = [...sup.agents.values()].map((a): AgentRow => ({ id: a.id, kind: "spawned", state: a.state, pid: a.pid, host: hostname(), python: "", metrics: a.metrics }));
  const joined = [...sup.joined.values()].map((a): AgentRow => ({ id: a.id, kind: "joined", state: a.state, pid: a.pid, host: a.host, python: a.python, metrics: a.metrics }));
  return [...spawned, ...joined];
}
