// A supervisor's telemetry: GenAI spans exported over OTLP and Prometheus metrics, both fed
// from the committed event stream (the same events the store and the dashboard see).
// OpenTelemetry loads only when traces are exported, prom-client only when metrics are served,
// and then after the agents have started (DeferredMetrics).
import type { EventBus } from "../events/bus.js";
import type { MetricsEndpoint } from "../stream/stream-server.js";
import type { CallObserver } from "../stream/call-details.js";
import { ContentCapture } from "./content-capture.js";
import type { GenAiSpans } from "./gen-ai-spans.js";
import type { MetricsProbes } from "./prometheus-metrics.js";
import { DeferredMetrics, type MetricsLoader } from "./deferred-metrics.js";
import type { SpanExport, startSpanExport } from "./span-export.js";
import type { ResolvedTelemetry } from "./telemetry-options.js";

/** The OpenTelemetry and prom-client pieces one configuration uses (null: not needed, not loaded). */
export interface TelemetryParts {
  readonly traces: { readonly startSpanExport: typeof startSpanExport; readonly GenAiSpans: typeof GenAiSpans } | null;
  /** Loads prom-client's side when first needed (not at start: see DeferredMetrics). */
  readonly metrics: MetricsLoader | null;
}

/** Loads only the pieces `options` needs; `served`: a stream will serve `/metrics`. */
export async function loadTelemetryParts(options: ResolvedTelemetry, served: boolean): Promise<TelemetryParts> {
  const [exportModule, spansModule] = await Promise.all([options.traces === null ? null : import("./span-export.js"), options.traces === null ? null : import("./gen-ai-spans.js")]);
  return {
    traces: exportModule === null || spansModule === null ? null : { startSpanExport: exportModule.startSpanExport, GenAiSpans: spansModule.GenAiSpans },
    metrics: options.metrics && served ? async () => (await import("./prometheus-metrics.js")).IronMetrics : null,
  };
}

export class Telemetry {
  readonly #spans: GenAiSpans | null;
  readonly #export: SpanExport | null;
  readonly #metrics: DeferredMetrics | null;
  readonly #metricsToken: string | null;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #content: ContentCapture | null;

  /** What sees the calls' bodies for content capture (null unless the user opted in). */
  get observer(): CallObserver | null {
    return this.#content;
  }

  /**
   * Subscribes to the bus; `served` says whether a stream will serve `/metrics` (without one, no
   * metrics are kept); `probes` reads live figures (stream clients) when metrics are scraped;
   * `parts` come from loadTelemetryParts() with the same options.
   */
  constructor(parts: TelemetryParts, options: ResolvedTelemetry, bus: EventBus, served: boolean, probes: Omit<MetricsProbes, "spans"> = {}) {
    const traces = parts.traces;
    this.#export = options.traces === null || traces === null ? null : traces.startSpanExport(options.traces);
    this.#content = options.traces?.captureContent === true ? new ContentCapture(bus.scrubber) : null;
    this.#spans = this.#export === null || traces === null ? null : new traces.GenAiSpans(this.#export.tracer, this.#content);
    const exported = this.#export;
    const loadMetrics = parts.metrics;
    this.#metrics = options.metrics && served && loadMetrics !== null ? new DeferredMetrics(loadMetrics, { ...probes, ...(exported !== null && { spans: () => exported.stats }) }) : null;
    this.#metricsToken = options.metricsToken;
    if (this.#spans !== null) this.#unsubscribe.push(bus.subscribe(this.#spans.listener));
    if (this.#metrics !== null) this.#unsubscribe.push(bus.subscribe(this.#metrics.listener));
  }

  /** What the stream serves at `/metrics`, or null when metrics are off. */
  get metricsEndpoint(): MetricsEndpoint | null {
    const metrics = this.#metrics;
    if (metrics === null) return null;
    return { token: this.#metricsToken, render: () => metrics.render() };
  }

  /** Loads what was deferred (prom-client) now: the supervisor calls it once an agent has started. */
  warm(): void {
    void this.#metrics?.warm().catch(() => undefined);
  }

  /** The span exporter's counters (null when traces are off). */
  get spanStats(): SpanExport["stats"] | null {
    return this.#export?.stats ?? null;
  }

  /** Exports every span ended so far (tests; the end of a run does it too). */
  async flush(): Promise<void> {
    await this.#export?.flush();
  }

  /** Ends open spans and exports what is left, waiting for the collector a bounded time. */
  async close(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#metrics?.close();
    this.#spans?.endAll(Date.now());
    await this.#export?.shutdown();
  }
}
