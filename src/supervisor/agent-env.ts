// The environment a spawned agent gets: the user's, plus what the shim needs to connect.
import { delimiter } from "node:path";
import type { ShimSettings } from "../protocol/messages.js";
import { bootDir, shimRoot } from "./paths.js";

export interface AgentEnvInput {
  readonly base: NodeJS.ProcessEnv;
  readonly extra: Readonly<Record<string, string>>;
  readonly endpoint: string;
  readonly agentId: string;
  readonly token: string;
  readonly settings: ShimSettings;
  /** Incarnation number, 1 for the first process (IRON_RUN). */
  readonly run: number;
  /** The supervisor's pid: the shim exits at once, with its process group, when it is gone. */
  readonly supervisorPid: number;
  /** False: Python processes the agent starts do not install the shim (IRON_GOVERN_CHILDREN=0). */
  readonly governChildren: boolean;
}

// Variables iron owns: an agent's own environment cannot override them.
const IRON_KEYS = /^IRON_(ENDPOINT|AGENT_ID|TOKEN|SPAWNED|PARENT_PID|RUN|SUPERVISOR_PID|GOVERN_CHILDREN)$/;

/** Builds the agent's environment; the shim's boot directory goes first on PYTHONPATH. */
export function buildAgentEnv(input: AgentEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.base)) {
    if (value !== undefined && !IRON_KEYS.test(key)) env[key] = value;
  }
  for (const [key, value] of Object.entries(input.extra)) if (!IRON_KEYS.test(key)) env[key] = value;
  const userPath = env.PYTHONPATH;
  env.PYTHONPATH = [bootDir(), shimRoot(), ...(userPath ? [userPath] : [])].join(delimiter);
  env.PYTHONUNBUFFERED ??= "1";
  env.IRON_ENDPOINT = input.endpoint;
  env.IRON_AGENT_ID = input.agentId;
  env.IRON_TOKEN = input.token;
  env.IRON_SPAWNED = "1";
  env.IRON_RUN = String(input.run);
  env.IRON_SUPERVISOR_PID = String(input.supervisorPid);
  env.IRON_GOVERN_CHILDREN = input.governChildren ? "1" : "0";
  env.IRON_TIMEOUT_MS = String(input.settings.timeout_ms);
  env.IRON_FAIL_OPEN = input.settings.fail_open ? "1" : "0";
  env.IRON_ON_DENY = input.settings.on_deny;
  if (input.settings.providers.length > 0) env.IRON_PROVIDERS = JSON.stringify(input.settings.providers);
  return env;
}
