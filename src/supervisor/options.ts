// Supervisor options: the user's SupervisorOptions → defaults → validation → frozen.
import { IronError } from "../errors.js";
import type { ProviderSetting, ShimSettings } from "../protocol/messages.js";
import { DEFAULT_PRICES, type ModelPrice } from "../policy/prices.js";
import type { Policy } from "../policy/types.js";
import { silentLogger, type Logger } from "../telemetry/logger.js";
import type { Retention } from "../store/sqlite/retention.js";
import { resolveRetention, type RetentionOptions } from "./retention-options.js";
import { resolveOutputRate, type OutputRateOptions } from "./output-rate-options.js";
import type { OutputRate } from "../lifecycle/output-cap.js";
import { resolveStreamOptions, type ResolvedStreamOptions, type StreamOptions } from "../stream/stream-options.js";
import type { RunRegistry } from "../lifecycle/run-registry.js";
import { resolveBudgets, resolveReliability, resolveSafety, type ResolvedBudgets, type ResolvedReliability } from "../sections/resolve-sections.js";
import type { BudgetsConfig } from "../sections/schema-budgets.js";
import type { ReliabilityConfig } from "../sections/schema-reliability.js";
import type { SafetyConfig } from "../sections/schema-safety.js";
import type { SafetyPolicyOptions } from "../policy/policies/safety.js";
import { plainTcpBeyondLoopback, SAFER_LISTEN } from "../transport/listen-exposure.js";
import { checkJoinToken, generateJoinToken } from "../transport/join-token.js";
import { resolveTelemetry, type ResolvedTelemetry, type TelemetryOptions } from "../observability/telemetry-options.js";

export interface SupervisorOptions {
  /** Structured logger (pino); silent when omitted. */
  readonly logger?: Logger;
  /** Parent directory of the private runtime directory (default: XDG_RUNTIME_DIR or the temp dir). */
  readonly runtimeParent?: string;
  /** Extra endpoints to listen on besides the private ipc socket, e.g. `tcp://127.0.0.1:5555` or `tls://0.0.0.0:5555`. */
  readonly listen?: readonly string[];
  /** Accept `listen` endpoints with plain tcp:// on an address beyond loopback (unencrypted; the token is still never sent). Default false: refused with IRON_ERR_CONFIG. */
  readonly insecure?: boolean;
  /** Where tls:// listeners keep their certificate and key (default: the directory of the install secret, `~/.config/iron`). */
  readonly tlsDir?: string;
  /** Budget across every agent, in USD; unlimited when omitted. */
  readonly budgetUsd?: number;
  /** Deny-or-allow when the supervisor cannot answer in time (default false: fail closed). */
  readonly failOpen?: boolean;
  /** Let agents this supervisor spawns `iron_shim.uninstall()` (default false: under iron run the shim stays installed). */
  readonly allowUninstall?: boolean;
  /** How a denied call reaches the agent: a provider-shaped error response, or a raised PolicyDenied. */
  readonly onDeny?: "response" | "raise";
  /** Grants: the shim admits calls like one just allowed itself for a moment (SPEC 3.4a); default false (opt in). */
  readonly localAdmission?: boolean;
  /** How long a shim waits for a decision, in milliseconds (default 5000). */
  readonly decisionTimeoutMs?: number;
  /** How often shims send heartbeats, in milliseconds (default 1000). */
  readonly heartbeatMs?: number;
  /** Price overrides and additions, USD per million tokens. */
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  /** Price for models not in the table; `"deny"` refuses them (default: charge gpt-4o's price). */
  readonly unknownModelPrice?: ModelPrice | "deny";
  /** Azure OpenAI deployment → the model its calls are priced as (an unmapped deployment warns once). */
  readonly azureDeployments?: Readonly<Record<string, string>>;
  /** Output tokens assumed for the worst case when a request sets no max (default 4096). */
  readonly defaultMaxOutputTokens?: number;
  /** Extra OpenAI- or Anthropic-compatible base URLs the shims must govern. */
  readonly providers?: readonly ProviderSetting[];
  /** Custom policies, run after the built-ins in this order. */
  readonly policies?: readonly Policy[];
  /** Default interpreter for spawned agents. */
  readonly python?: string;
  /** Milliseconds a spawned agent has to connect its shim before it counts as crashed (default 10000; per agent: SpawnOptions.startupTimeoutMs). */
  readonly startupTimeoutMs?: number;
  /** SQLite state file (events, call ledger, budgets, runs) so state survives a restart, or a postgres:// URL shared by a fleet of supervisors; in memory when omitted. The CLI uses `.iron/state.db`. */
  readonly state?: string;
  /** Serve the live event stream (HTTP + WebSocket); off when omitted or false. */
  readonly stream?: StreamOptions | false;
  /** Where agent processes are recorded, so a later supervisor reaps what a dead one left (default: in memory). */
  readonly runs?: RunRegistry;
  /** Budgets per agent, run, attribute and period, warnings, exhaustion (iron.yaml's `budgets:` section, same keys). */
  readonly budgets?: BudgetsConfig;
  /** Let agents started elsewhere join with this secret (`true`: generate one; read it from `sup.joinToken`). Default: no joins. */
  readonly joinToken?: string | boolean;
  /** Bind the ipc socket at this path (stable across restarts, so joined agents reconnect) instead of a private temporary directory. */
  readonly socketPath?: string;
  /** No heartbeat from a joined agent for this long shows it `detached`; 0 turns the check off (default 10000). */
  readonly joinedHeartbeatTimeoutMs?: number;
  /** Detached joined agents kept in `sup.joined` (default 1000); beyond it the longest-detached are forgotten (their spend and history stay in the store). */
  readonly maxDetachedJoined?: number;
  /** PII and secret detection (iron.yaml's `safety:` section); `false` turns the safety policy off. */
  readonly safety?: SafetyConfig | false;
  /** Breakers, rate limits, fallbacks, per-call timeout (iron.yaml's `reliability:` section); `false` turns it off. */
  readonly reliability?: ReliabilityConfig | false;
  /** OTLP traces and Prometheus metrics (iron.yaml's `telemetry:`), over the OTEL_* environment; `false` turns both off. */
  readonly telemetry?: TelemetryOptions | false;
  /** How much history a SQLite state file keeps (iron.yaml's `retention:`); `false` keeps everything. */
  readonly retention?: RetentionOptions | false;
  /** The rate cap on each agent's output lines stored as `agent.output` events (iron.yaml's `output_rate:`); `false` stores every line. */
  readonly outputRate?: OutputRateOptions | false;
}

export interface ResolvedSupervisorOptions {
  readonly logger: Logger;
  readonly runtimeParent: string | undefined;
  readonly listen: readonly string[];
  readonly tlsDir: string | undefined;
  readonly failOpen: boolean;
  readonly allowUninstall: boolean;
  readonly onDeny: "response" | "raise";
  readonly localAdmission: boolean;
  readonly decisionTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  readonly unknownModelPrice: ModelPrice | "deny";
  readonly azureDeployments: Readonly<Record<string, string>>;
  readonly defaultMaxOutputTokens: number;
  readonly providers: readonly ProviderSetting[];
  readonly policies: readonly Policy[];
  readonly python: string | undefined;
  readonly startupTimeoutMs: number;
  readonly state: string | null;
  readonly stream: ResolvedStreamOptions | null;
  readonly runs: RunRegistry | undefined;
  readonly budgets: ResolvedBudgets;
  readonly safety: SafetyPolicyOptions | null;
  readonly reliability: ResolvedReliability | null;
  readonly joinToken: string | null;
  readonly socketPath: string | null;
  readonly joinedHeartbeatTimeoutMs: number;
  readonly maxDetachedJoined: number;
  /** null: no traces and no metrics. */
  readonly telemetry: ResolvedTelemetry | null;
  readonly retention: Retention | false;
  readonly outputRate: OutputRate | false;
}

const FALLBACK_PRICE: ModelPrice = Object.freeze({ input: 2.5, cachedInput: 1.25, output: 10 });

function bad(path: string, expected: string, got: unknown): never {
  throw new IronError("IRON_ERR_CONFIG", "invalid supervisor option", { path, expected, got });
}

function positiveInt(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return Number.isInteger(value) && value > 0 ? value : bad(path, "a positive integer", value);
}

/** Validates and freezes the options; every error names the key, the expected and the got. */
export function resolveSupervisorOptions(options: SupervisorOptions = {}): ResolvedSupervisorOptions {
  const budget = options.budgetUsd;
  if (budget !== undefined && !(typeof budget === "number" && Number.isFinite(budget) && budget >= 0)) bad("budgetUsd", "a number of USD >= 0", budget);
  if (options.onDeny !== undefined && options.onDeny !== "response" && options.onDeny !== "raise") bad("onDeny", '"response" or "raise"', options.onDeny);
  for (const [i, p] of (options.providers ?? []).entries()) {
    if (p.kind !== "openai" && p.kind !== "anthropic") bad(`providers[${i}].kind`, '"openai" or "anthropic"', p.kind);
    if (!/^https?:\/\//.test(p.base_url)) bad(`providers[${i}].base_url`, "an http(s) URL", p.base_url);
  }
  if (options.state !== undefined && !(typeof options.state === "string" && options.state !== "")) bad("state", "a path to a state file", options.state);
  if (options.tlsDir !== undefined && !(typeof options.tlsDir === "string" && options.tlsDir !== "")) bad("tlsDir", "a directory path", options.tlsDir);
  const budgets = resolveBudgets(options.budgets, budget);
  const exposed = plainTcpBeyondLoopback(options.listen ?? []);
  if (exposed.length > 0 && options.insecure !== true) bad("listen", `${SAFER_LISTEN}, or insecure: true to accept plain TCP on a trusted network`, exposed.join(", "));
  for (const [i, p] of (options.policies ?? []).entries()) {
    if (typeof p?.name !== "string" || p.name === "") bad(`policies[${i}].name`, "a non-empty string", p?.name);
  }
  return Object.freeze({
    logger: options.logger ?? silentLogger(),
    runtimeParent: options.runtimeParent,
    listen: Object.freeze([...(options.listen ?? [])]),
    tlsDir: options.tlsDir,
    failOpen: options.failOpen ?? false,
    allowUninstall: options.allowUninstall ?? false,
    onDeny: options.onDeny ?? "response",
    localAdmission: options.localAdmission ?? false,
    decisionTimeoutMs: positiveInt("decisionTimeoutMs", options.decisionTimeoutMs, 5000),
    heartbeatMs: positiveInt("heartbeatMs", options.heartbeatMs, 1000),
    prices: Object.freeze({ ...DEFAULT_PRICES, ...(options.prices ?? {}) }),
    unknownModelPrice: options.unknownModelPrice ?? FALLBACK_PRICE,
    azureDeployments: Object.freeze({ ...(options.azureDeployments ?? {}) }),
    defaultMaxOutputTokens: positiveInt("defaultMaxOutputTokens", options.defaultMaxOutputTokens ?? budgets.defaultMaxOutputTokens, 4096),
    providers: Object.freeze([...(options.providers ?? [])]),
    policies: Object.freeze([...(options.policies ?? [])]),
    python: options.python,
    startupTimeoutMs: positiveInt("startupTimeoutMs", options.startupTimeoutMs, 10_000),
    state: options.state ?? null,
    stream: options.stream === undefined || options.stream === false ? null : resolveStreamOptions(options.stream),
    runs: options.runs,
    budgets,
    safety: resolveSafety(options.safety),
    reliability: resolveReliability(options.reliability),
    joinToken: resolveJoinToken(options.joinToken),
    socketPath: options.socketPath === undefined ? null : typeof options.socketPath === "string" && options.socketPath !== "" ? options.socketPath : bad("socketPath", "a path", options.socketPath),
    joinedHeartbeatTimeoutMs: nonNegativeInt("joinedHeartbeatTimeoutMs", options.joinedHeartbeatTimeoutMs, 10_000),
    maxDetachedJoined: positiveInt("maxDetachedJoined", options.maxDetachedJoined, 1000),
    telemetry: options.telemetry === false ? null : resolveTelemetry(options.telemetry),
    retention: resolveRetention(options.retention),
    outputRate: resolveOutputRate(options.outputRate),
  });
}

function nonNegativeInt(path: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return Number.isInteger(value) && value >= 0 ? value : bad(path, "an integer >= 0", value);
}

// `true` generates a join token, a string is checked, `false`/omitted accepts no joins.
function resolveJoinToken(value: string | boolean | undefined): string | null {
  if (value === undefined || value === false) return null;
  if (value === true) return generateJoinToken();
  return checkJoinToken(value, "joinToken");
}

/** What the shim is told in its environment and its welcome: deadlines, fail-open, denials, providers. */
export function shimSettings(options: ResolvedSupervisorOptions): ShimSettings {
  return {
    timeout_ms: options.decisionTimeoutMs,
    fail_open: options.failOpen,
    on_deny: options.onDeny,
    heartbeat_ms: options.heartbeatMs,
    providers: options.providers,
    ...(options.allowUninstall && { allow_uninstall: true }),
  };
}
