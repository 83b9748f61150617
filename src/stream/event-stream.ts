// Wires the stream to a supervisor: a projection seeded from the store, fed by the bus.
import type { EventBus } from "../events/bus.js";
import { StateProjection } from "../events/projection.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../telemetry/logger.js";
import type { DashboardBackend } from "./http-api.js";
import type { ResolvedStreamOptions } from "./stream-options.js";
import { StreamServer, type MetricsEndpoint } from "./stream-server.js";

/** Calls of earlier runs the first snapshot shows. */
const RECENT_CALLS = 100;

/** Starts the stream (and the dashboard, given its API) and subscribes it to every committed event; throws IRON_ERR_STREAM. */
export async function startEventStream(
  options: ResolvedStreamOptions,
  bus: EventBus,
  store: Store,
  logger: Logger,
  dashboard: DashboardBackend | null,
  metrics: MetricsEndpoint | null = null,
): Promise<StreamServer> {
  const projection = new StateProjection(RECENT_CALLS);
  projection.seq = bus.lastDelivered;
  const calls = store.recentCalls(RECENT_CALLS).map((c) => ({
    callId: c.callId,
    agentId: c.agentId,
    ts: c.requestedAt,
    model: c.model,
    responseModel: c.responseModel,
    decision: c.decision,
    policy: c.policy,
    code: c.code,
    reason: c.reason,
    responseAction: c.responseAction,
    redactedValues: c.redactedValues,
    status: c.status,
    inputTokens: c.inputTokens,
    outputTokens: c.outputTokens,
    costMicros: c.costMicros,
    latencyMs: c.latencyMs,
  }));
  projection.seed(
    store.breakers().map((b) => ({ ...b, retryAt: null })),
    calls,
  );
  const server = await StreamServer.start(options, { projection, eventsAfter: (after, limit) => store.eventsAfter(after, limit), logger, dashboard, metrics });
  bus.scrubber.addSecret(options.token);
  if (metrics?.token != null) bus.scrubber.addSecret(metrics.token);
  bus.subscribe((event) => server.publish(event));
  return server;
}
