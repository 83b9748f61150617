// Prometheus metrics whose library loads after the agents start: prom-client (with the
// OpenTelemetry API it imports) was a tenth of `iron run`'s start-up before the agent could
// spawn (bench/profiles/issue14-startup). Events are kept in order until it has loaded, then
// replayed, so the figures are the same as if it had been there from the first event.
import type { IronEvent } from "../events/types.js";
import type { IronMetrics, MetricsProbes } from "./prometheus-metrics.js";

/** Loads the metrics class (a dynamic import of prometheus-metrics.js). */
export type MetricsLoader = () => Promise<typeof IronMetrics>;

/** How long after start the library loads at the latest, when nothing asked for it sooner. */
export const METRICS_LOAD_DELAY_MS = 250;

/** IronMetrics, built on first need: `warm()`, a scrape, or METRICS_LOAD_DELAY_MS after creation. */
export class DeferredMetrics {
  readonly #load: MetricsLoader;
  readonly #probes: MetricsProbes;
  #pending: IronEvent[] | null = [];
  #metrics: IronMetrics | null = null;
  #loading: Promise<IronMetrics> | null = null;
  readonly #timer: NodeJS.Timeout;

  constructor(load: MetricsLoader, probes: MetricsProbes) {
    this.#load = load;
    this.#probes = probes;
    this.#timer = setTimeout(() => void this.warm().catch(() => undefined), METRICS_LOAD_DELAY_MS);
    this.#timer.unref();
  }

  /** Takes one committed event (kept until the library has loaded). */
  readonly listener = (event: IronEvent): void => {
    if (this.#metrics !== null) this.#metrics.listener(event);
    else this.#pending?.push(event);
  };

  /** Loads the library now (once) and replays what happened meanwhile. */
  warm(): Promise<IronMetrics> {
    this.#loading ??= this.#load().then((IronMetricsClass) => {
      clearTimeout(this.#timer);
      const metrics = new IronMetricsClass(this.#probes);
      for (const event of this.#pending ?? []) metrics.listener(event);
      this.#pending = null;
      this.#metrics = metrics;
      return metrics;
    });
    return this.#loading;
  }

  /** The exposition text and its content type (loads the library first when needed). */
  async render(): Promise<{ body: string; contentType: string }> {
    return (await this.warm()).render();
  }

  /** Stops the timer and drops what was kept (the supervisor is closing). */
  close(): void {
    clearTimeout(this.#timer);
    if (this.#metrics === null) this.#pending = [];
  }
}
