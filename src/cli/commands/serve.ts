// `iron serve [options]`: a supervisor that agents started elsewhere join (a notebook, a web
// server, a job runner, a container) — `python -m iron_shim agent.py`, `IRON_ENDPOINT=…
// IRON_TOKEN=… python agent.py` with iron-shim installed, or `iron_shim.install()` from code.
import { InvalidArgumentError, type Command } from "commander";
import { IronError } from "../../errors.js";
import { findConfig } from "../../config/load-config.js";
import { optionsFromConfig } from "../../config/to-options.js";
import { loadPolicyFiles } from "../../config/load-policies.js";
import type { SupervisorOptions } from "../../supervisor/options.js";
import { createLogger } from "../../telemetry/logger.js";
import { oneOf, parseDuration, parseUsd } from "../parse-options.js";
import { examples } from "../examples.js";
import { addStateOptions, runStateOptions, type StateFlags } from "../state-options.js";
import { checkListen, defaultSocketPath } from "../serve/serve-paths.js";
import { serveUntilSignal } from "../serve/serve-loop.js";
import { defaultTokenFile, loadJoinToken } from "../serve/token-file.js";

interface ServeFlags extends StateFlags {
  readonly config?: string;
  readonly socket?: string;
  readonly listen: string[];
  readonly insecure?: boolean;
  readonly tokenFile?: string;
  readonly newToken?: boolean;
  readonly budget?: number;
  readonly failOpen?: boolean;
  readonly onDeny?: "response" | "raise";
  readonly timeout?: number;
  readonly heartbeatTimeout?: number;
  readonly policy: string[];
  readonly agents?: boolean;
  readonly python?: string;
  readonly trace?: boolean;
  readonly quiet?: boolean;
  readonly logLevel?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `tls://HOST:PORT` or `tcp://HOST:PORT` (port 0: any free port) or `ipc://PATH`. */
function parseEndpoint(value: string, previous: string[]): string[] {
  if (!/^((tcp|tls):\/\/(\[[0-9A-Fa-f:.]+\]|[^:/[\]]+):\d{1,5}|ipc:\/\/.+)$/.test(value)) {
    throw new InvalidArgumentError(`expected tls://HOST:PORT, tcp://HOST:PORT or ipc://PATH, got ${JSON.stringify(value)}`);
  }
  return [...previous, value];
}

/** Registers `iron serve`. */
export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("run a supervisor that agents started elsewhere join (python -m iron_shim, iron_shim.install()); their LLM calls are governed")
    .option("--config <file>", "configuration file (default ./iron.yaml when it exists); flags override it")
    .option("--socket <path>", `the ipc socket agents connect to, kept across restarts (default ${defaultSocketPath()})`)
    .option(
      "--listen <endpoint>",
      "also listen on tls://HOST:PORT (encrypted, certificate pinned by agents) or tcp://HOST:PORT, for agents in other containers or hosts (repeatable)",
      parseEndpoint,
      [],
    )
    .option("--insecure", "allow --listen tcp:// on an address beyond loopback (messages travel unencrypted; the token is still never sent); tls:// needs no flag")
    .option("--token-file <path>", `where the join token is kept, readable only by you (default ${defaultTokenFile()})`)
    .option("--new-token", "replace the join token with a new one (agents holding the old one are refused)")
    .option("--budget <usd>", "budget across every agent, in USD (0 = nothing may be spent)", parseUsd)
    .option("--fail-open", "agents let calls through when the supervisor cannot answer (default deny)")
    .option("--on-deny <mode>", "how a denied call reaches the agent: response | raise", oneOf(["response", "raise"] as const))
    .option("--timeout <duration>", "how long the shims wait for a decision (default 5s)", parseDuration())
    .option("--heartbeat-timeout <duration>", "no heartbeat for this long shows a joined agent detached; 0 turns it off (default 10s)", parseDuration({ allowZero: true }))
    .option("--policy <file>", "add a custom policy module (.ts/.js exporting a policy); repeatable", collect, [])
    .option("--agents", "also start the agents listed under agents: in the configuration (stopped when iron serve stops)")
    .option("--python <path>", "interpreter for --agents (default the active virtualenv's, else python3 on PATH)")
    .option("--trace", "print every decision as it is made")
    .option("-q, --quiet", "print no lifecycle lines and no agents table at the end")
    .option("--log-level <level>", "supervisor log level on stderr (debug, info, warn, error)", oneOf(["trace", "debug", "info", "warn", "error", "silent"] as const))
    .addHelpText(
      "after",
      examples([
        ["iron serve", "agents on this machine join: python -m iron_shim agent.py"],
        ["iron serve --listen tls://0.0.0.0:5555", "agents in containers or on other hosts join too"],
        ["iron serve --budget 5 --agents", "$5 for every agent, and start the ones iron.yaml lists"],
      ]),
    );
  addStateOptions(command).action(async (flags: ServeFlags) => {
    checkListen(flags.listen, flags.insecure === true);
    const loaded = findConfig(flags.config);
    const fromFile = loaded === null ? null : await optionsFromConfig(loaded);
    const supervisor: SupervisorOptions = {
      ...fromFile?.supervisor,
      logger: createLogger(flags.logLevel === undefined ? {} : { level: flags.logLevel }),
      socketPath: flags.socket ?? defaultSocketPath(),
      listen: flags.listen,
      ...(flags.insecure === true && { insecure: true }),
      ...(flags.budget !== undefined && { budgetUsd: flags.budget }),
      ...(flags.failOpen !== undefined && { failOpen: flags.failOpen }),
      ...(flags.onDeny !== undefined && { onDeny: flags.onDeny }),
      ...(flags.timeout !== undefined && { decisionTimeoutMs: flags.timeout }),
      ...(flags.heartbeatTimeout !== undefined && { joinedHeartbeatTimeoutMs: flags.heartbeatTimeout }),
      ...(flags.python !== undefined && { python: flags.python }),
      policies: [...(fromFile?.supervisor.policies ?? []), ...(await loadPolicyFiles(flags.policy))],
      ...runStateOptions(flags, fromFile?.supervisor ?? {}),
    };
    const agents = flags.agents === true ? (fromFile?.agents ?? []) : [];
    if (flags.agents === true && agents.length === 0) {
      throw new IronError("IRON_ERR_USAGE", "nothing to start for --agents", { expected: "agents: in the configuration", got: loaded === null ? "no iron.yaml" : `no agents in ${loaded.file}` });
    }
    const token = loadJoinToken(flags.tokenFile ?? defaultTokenFile(), flags.newToken === true);
    process.exitCode = await serveUntilSignal({
      supervisor,
      token,
      agents,
      trace: flags.trace === true,
      quiet: flags.quiet === true,
    });
  });
}
