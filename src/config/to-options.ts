// Maps a validated iron.yaml onto what the supervisor takes: SupervisorOptions for the
// supervisor-wide sections, SpawnOptions (with the lifecycle fields) for each agent.
// Relative paths (scripts, policy modules) are resolved against the file's directory.
import { resolve } from "node:path";
import type { ProviderSetting } from "../protocol/messages.js";
import { loadPolicyFiles } from "./load-policies.js";
import type { ModelPrice } from "../policy/prices.js";
import type { SupervisorOptions } from "../supervisor/options.js";
import type { SpawnOptions } from "../supervisor/supervisor.js";
import { resolveStateLocation } from "../store/open-store.js";
import type { LoadedConfig } from "./load-config.js";
import type { PriceInput } from "../sections/schema-parts.js";
import type { TelemetryConfig } from "./schema-telemetry.js";
import type { TelemetryOptions } from "../observability/telemetry-options.js";

/** SpawnOptions plus the lifecycle fields `agents:` carries (restart policy, heartbeat). */
/** One agent a config file lists: what `sup.spawn()` takes (lifecycle settings included). */
export type AgentSpawn = SpawnOptions;

/** What a config file asks for. */
export interface ConfigOptions {
  readonly supervisor: SupervisorOptions;
  readonly agents: readonly AgentSpawn[];
}

const ms = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : Math.round(seconds * 1000));

function priceOf(p: Omit<PriceInput, "long_context">): Omit<ModelPrice, "longContext"> {
  return {
    input: p.input,
    output: p.output,
    ...(p.cached_input !== undefined && { cachedInput: p.cached_input }),
    ...(p.cache_write !== undefined && { cacheWrite: p.cache_write }),
  };
}

function fullPrice(p: PriceInput): ModelPrice {
  const long = p.long_context;
  return { ...priceOf(p), ...(long !== undefined && { longContext: { ...priceOf(long), aboveInputTokens: long.above_input_tokens } }) };
}

// iron.yaml's snake_case telemetry keys as SupervisorOptions.telemetry.
function telemetryOf(t: TelemetryConfig | false): TelemetryOptions | false {
  if (t === false) return false;
  return {
    ...(t.traces !== undefined && { traces: t.traces }),
    ...(t.endpoint !== undefined && { endpoint: t.endpoint }),
    ...(t.headers !== undefined && { headers: t.headers }),
    ...(t.protocol !== undefined && { protocol: t.protocol }),
    ...(t.service_name !== undefined && { serviceName: t.service_name }),
    ...(t.sampling !== undefined && { sampling: t.sampling }),
    ...(t.capture_content !== undefined && { captureContent: t.capture_content }),
    ...(t.metrics !== undefined && { metrics: t.metrics }),
    ...(t.metrics_token !== undefined && { metricsToken: t.metrics_token }),
  };
}

/** The supervisor options and agents of a loaded config (policy modules are loaded here). */
export async function optionsFromConfig(loaded: LoadedConfig): Promise<ConfigOptions> {
  const c = loaded.config;
  const prices: Record<string, ModelPrice> = {};
  for (const [model, p] of Object.entries(c.prices ?? {})) prices[model] = fullPrice(p);
  const supervisor: SupervisorOptions = {
    ...(c.python !== undefined && { python: c.python }),
    ...(c.shim?.fail_open !== undefined && { failOpen: c.shim.fail_open }),
    ...(c.shim?.on_deny !== undefined && { onDeny: c.shim.on_deny }),
    ...(c.shim?.local_admission !== undefined && { localAdmission: c.shim.local_admission }),
    ...(c.shim?.decision_timeout !== undefined && { decisionTimeoutMs: ms(c.shim.decision_timeout) }),
    ...(c.budgets !== undefined && { budgets: c.budgets }),
    ...(c.safety !== undefined && { safety: c.safety }),
    ...(c.reliability !== undefined && { reliability: c.reliability }),
    ...(c.providers !== undefined && { providers: c.providers.map((p): ProviderSetting => ({ name: p.name, kind: p.kind, base_url: p.base_url })) }),
    ...(c.prices !== undefined && { prices }),
    ...(c.unknown_model !== undefined && { unknownModelPrice: c.unknown_model === "deny" ? "deny" : fullPrice(c.unknown_model) }),
    ...(c.azure_deployments !== undefined && { azureDeployments: c.azure_deployments }),
    ...(c.state !== undefined && { state: resolveStateLocation(loaded.dir, c.state) }),
    ...(c.stream !== undefined && { stream: c.stream }),
    ...(c.retention !== undefined && {
      retention:
        c.retention === false
          ? false
          : {
              ...(c.retention.max_age !== undefined && { maxAgeMs: ms(c.retention.max_age) }),
              ...(c.retention.max_events !== undefined && { maxEvents: c.retention.max_events }),
              ...(c.retention.max_calls !== undefined && { maxCalls: c.retention.max_calls }),
            },
    }),
    ...(c.output_rate !== undefined && {
      outputRate:
        c.output_rate === false
          ? false
          : {
              ...(c.output_rate.lines_per_second !== undefined && { linesPerSecond: c.output_rate.lines_per_second }),
              ...(c.output_rate.burst !== undefined && { burst: c.output_rate.burst }),
            },
    }),
    ...(c.telemetry !== undefined && { telemetry: telemetryOf(c.telemetry) }),
    policies: await loadPolicyFiles(c.policies ?? [], loaded.dir),
  };
  const agents = (c.agents ?? []).map(
    (a): AgentSpawn => ({
      script: resolve(loaded.dir, a.script),
      ...(a.name !== undefined && { name: a.name }),
      ...(a.args !== undefined && { args: a.args }),
      ...(a.env !== undefined && { env: a.env }),
      ...(a.python !== undefined && { python: a.python }),
      ...(a.cwd !== undefined && { cwd: resolve(loaded.dir, a.cwd) }),
      ...(a.budget !== undefined && { budgetUsd: a.budget }),
      ...(a.stop_timeout !== undefined && { stopTimeoutMs: ms(a.stop_timeout) }),
      ...(a.min_uptime !== undefined && { minUptimeMs: ms(a.min_uptime) }),
      ...(a.restart !== undefined && { restart: a.restart }),
      ...(a.max_restarts !== undefined && { maxRestarts: a.max_restarts }),
      ...(a.restart_window !== undefined && { restartWindowMs: ms(a.restart_window) }),
      ...(a.heartbeat_timeout !== undefined && { heartbeatTimeoutMs: ms(a.heartbeat_timeout) }),
    }),
  );
  return { supervisor, agents };
}
