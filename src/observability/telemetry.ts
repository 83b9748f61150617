// A supervisor's telemetry: GenAI spans exported over OTLP and Prometheus metrics, both fed
// from the committed event stream (the same events the store and the dashboard see).
import type { EventBus } from "../events/bus.js";
import type { MetricsEndpoint } from "../stream/stream-server.js";
import type { CallObserver } from "../stream/call-details.js";
import { ContentCapture } from "./content-capture.js";
import { GenAiSpans } from "./gen-ai-spans.js";
import { IronMetrics, type MetricsProbes } from "./prometheus-metrics.js";
import { startSpanExport, type SpanExport } from "./span-export.js";
import type { ResolvedTelemetry } from "./telemetry-options.js";

export class Telemetry {
  readonly #spans: GenAiSpans | null;
  readonly #export: SpanExport | null;
  readonly #metrics: IronMetrics | null;
  readonly #metricsToken: string | null;
  readonly #unsubscribe: (() => void)[] = [];
  readonly #content: ContentCapture | null;

  /** What sees the calls' bodies for content capture (null unless the user opted in). */
  get observer(): CallObserver | null {
    return this.#content;
  }

  /**
   * Subscribes to the bus; `served` says whether a stream will serve `/metrics` (without one, no
   * metrics are kept); `probes` reads live figures (stream clients) when metrics are scraped.
   */
  constructor(options: ResolvedTelemetry, bus: EventBus, served: boolean, probes: Omit<MetricsProbes, "spans"> = {}) {
    this.#export = options.traces === null ? null : startSpanExport(options.traces);
    this.#content = options.traces?.captureContent === true ? new ContentCapture(bus.scrubber) : null;
    this.#spans = this.#export === null ? null : new GenAiSpans(this.#export.tracer, this.#content);
    const exported = this.#export;
    this.#metrics = options.metrics && served ? new IronMetrics({ ...probes, ...(exported !== null && { spans: () => exported.stats }) }) : null;
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
    this.#spans?.endAll(Date.now());
    await this.#export?.shutdown();
  }
}
