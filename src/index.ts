// The public API of iron-runtime. Everything else is internal.
export { Supervisor, type SpawnOptions } from "./supervisor/supervisor.js";
export type { SupervisorOptions } from "./supervisor/options.js";
export type { RetentionOptions } from "./supervisor/retention-options.js";
export type { OutputRateOptions } from "./supervisor/output-rate-options.js";
export { Agent, type AgentState, type AgentExit, type StopOptions } from "./supervisor/agent.js";
export type { Subprocess } from "./supervisor/subprocesses.js";
export { JoinedAgent, type JoinedAgentState } from "./supervisor/joined-agent.js";
export type { LifecycleOptions, RestartPolicy, HangAction } from "./lifecycle/lifecycle-options.js";
export type { BackoffConfig } from "./lifecycle/backoff.js";
export { MemoryRunRegistry, type RunRegistry, type RunRecord, type RunExit } from "./lifecycle/run-registry.js";
export type { CallMetrics } from "./supervisor/call-metrics.js";
export { allow, deny, modify, redact } from "./policy/decisions.js";
export { definePolicy, editBody, promptText } from "./policy/define-policy.js";
export type {
  Allow,
  BudgetView,
  Deny,
  Finding,
  LlmCall,
  LlmResult,
  Modify,
  Policy,
  PolicyContext,
  Redact,
  RequestDecision,
  ResponseDecision,
  ResponseHint,
  StreamFilter,
  StreamHints,
  StreamVerdict,
  Usage,
} from "./policy/types.js";
export type { PolicyRegistry } from "./policy/engine.js";
export { BEDROCK_ROW_SOURCES, DEFAULT_PRICES, PRICE_SOURCES, PRICES_AS_OF, type ModelPrice } from "./policy/prices.js";
export type { IronEvent, EventType, EventPayloads, PiiFinding } from "./events/types.js";
export type { Snapshot, AgentView, BudgetRow, BreakerView, CallView } from "./events/projection.js";
export type { BudgetLedger, BudgetSelector, ResetScope, ScopeBalance } from "./policy/budget-ledger.js";
export type { StreamOptions } from "./stream/stream-options.js";
export type { TelemetryOptions } from "./observability/telemetry-options.js";
export type { CallDetail, DashboardAgent, DashboardInfo, RequestMeta, ResponseView } from "./stream/dashboard-types.js";
export { loadConfigFile, type LoadedConfig } from "./config/load-config.js";
export { optionsFromConfig, type AgentSpawn, type ConfigOptions } from "./config/to-options.js";
export type { IronConfig } from "./config/schema.js";
export { IronError, ERROR_CODES, isIronError, type IronErrorCode } from "./errors.js";
export { createLogger, type Logger } from "./telemetry/logger.js";
export { VERSION } from "./version.js";
export { startMockLlm, type MockLlm, type MockLlmOptions, type RecordedRequest } from "./mock-llm/index.js";
