// The iron.yaml `telemetry:` section: OTLP traces (endpoint, headers, protocol, service name,
// sampling) and the Prometheus `/metrics` page (on or off, its own token).
import * as z from "zod";
import { flag, httpUrl, obj, oneOf, text } from "../sections/schema-parts.js";

/** A sampling ratio from 0 (no traces) to 1 (every call). */
const ratio = z.number({ error: "a number from 0 to 1" }).min(0, { error: "a number from 0 to 1" }).max(1, { error: "a number from 0 to 1" });

export const telemetrySchema = obj(
  {
    /** `false` turns traces off even when OTEL_EXPORTER_OTLP_* is set. */
    traces: flag.optional(),
    /** The collector's base URL (`/v1/traces` is appended), like OTEL_EXPORTER_OTLP_ENDPOINT. */
    endpoint: httpUrl.optional(),
    /** Extra headers on every export (an API key of a hosted backend, Langfuse's Authorization). */
    headers: z.record(z.string(), z.string({ error: "a string" }), { error: "a map of header name to string" }).optional(),
    protocol: oneOf(["http/protobuf", "http/json"]).optional(),
    service_name: text("a service name").optional(),
    /** The fraction of calls traced (default 1). */
    sampling: ratio.optional(),
    /** Prompts and completions on the spans, after redaction and scrubbing (default false). */
    capture_content: flag.optional(),
    /** Serve Prometheus metrics at `/metrics` on the stream's port (default true). */
    metrics: flag.optional(),
    /** A token only for `/metrics` (default: the stream's read token). */
    metrics_token: z.string({ error: "a string of at least 16 characters" }).min(16, { error: "a string of at least 16 characters" }).optional(),
  },
  "a map {traces, endpoint, headers, protocol, service_name, sampling, capture_content, metrics, metrics_token}",
);

export type TelemetryConfig = z.infer<typeof telemetrySchema>;
