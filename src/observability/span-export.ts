// The OpenTelemetry SDK side of iron's traces: a tracer provider whose spans go out in batches
// to an OTLP/HTTP collector (protobuf or JSON), off the decision path. A dead collector costs a
// failed export in the background; spans beyond the queue are dropped, and both are counted.
import type { Context, Tracer } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { VERSION } from "../version.js";
import type { ResolvedTraces } from "./telemetry-options.js";

/** What happened to the spans iron ended. */
export interface SpanExportStats {
  exported: number;
  /** Dropped because the collector did not take them (down, refused, timed out). */
  failed: number;
  /** Dropped because the export queue was full. */
  queueFull: number;
  /** Handed to the batch processor and not yet settled. */
  pending: number;
}

/** A running exporter: the tracer spans are made with, its counters, and its end. */
export interface SpanExport {
  readonly tracer: Tracer;
  readonly stats: Readonly<SpanExportStats>;
  /** Exports what is queued and stops; never waits longer than `maxWaitMs`. */
  shutdown(maxWaitMs?: number): Promise<void>;
  /** Exports what is queued now (tests, and the end of a run). */
  flush(): Promise<void>;
}

// Counts what the collector took and what it did not, then passes the result on.
class CountingExporter implements SpanExporter {
  constructor(
    readonly inner: SpanExporter,
    readonly stats: SpanExportStats,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      this.stats.pending -= spans.length;
      if (result.code === ExportResultCode.SUCCESS) this.stats.exported += spans.length;
      else this.stats.failed += spans.length;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

// Bounds what waits for export, so a slow collector can never grow iron's memory; counts the rest.
class BoundedProcessor implements SpanProcessor {
  constructor(
    readonly inner: SpanProcessor,
    readonly stats: SpanExportStats,
    readonly max: number,
  ) {}

  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    if (this.stats.pending >= this.max) {
      this.stats.queueFull += 1;
      return;
    }
    this.stats.pending += 1;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** Starts the tracer provider and its batched OTLP exporter. */
export function startSpanExport(options: ResolvedTraces): SpanExport {
  const stats: SpanExportStats = { exported: 0, failed: 0, queueFull: 0, pending: 0 };
  const config = { url: options.url, headers: { ...options.headers }, timeoutMillis: 5000 };
  const otlp = options.protocol === "http/json" ? new OtlpJsonExporter(config) : new OtlpProtoExporter(config);
  const batch = new BatchSpanProcessor(new CountingExporter(otlp, stats), {
    maxQueueSize: options.maxQueueSize + 1,
    maxExportBatchSize: Math.min(512, options.maxQueueSize),
    scheduledDelayMillis: options.batchDelayMs,
    exportTimeoutMillis: 5000,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName, "service.version": VERSION, "telemetry.sdk.language": "nodejs" }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampling) }),
    spanProcessors: [new BoundedProcessor(batch, stats, options.maxQueueSize)],
  });
  return {
    tracer: provider.getTracer("iron", VERSION),
    stats,
    flush: () => provider.forceFlush(),
    shutdown: async (maxWaitMs = 3000) => {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => undefined), waited]);
      clearTimeout(timer);
    },
  };
}
