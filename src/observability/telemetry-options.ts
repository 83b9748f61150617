// Telemetry options: iron.yaml's `telemetry:` (or SupervisorOptions.telemetry) over the standard
// OTEL_* environment variables, validated and frozen. Traces are on when an endpoint is known.
import { IronError } from "../errors.js";

export interface TelemetryOptions {
  /** `false` turns traces off even when OTEL_EXPORTER_OTLP_* is set. */
  readonly traces?: boolean;
  /** The collector's base URL; `/v1/traces` is appended (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly endpoint?: string;
  /** Headers sent with every export (OTEL_EXPORTER_OTLP_HEADERS). */
  readonly headers?: Readonly<Record<string, string>>;
  /** `http/protobuf` (default) or `http/json` (OTEL_EXPORTER_OTLP_PROTOCOL). */
  readonly protocol?: "http/protobuf" | "http/json";
  /** The `service.name` of iron's spans (OTEL_SERVICE_NAME; default `iron`). */
  readonly serviceName?: string;
  /** The fraction of calls traced, 0 to 1 (default 1; OTEL_TRACES_SAMPLER_ARG). */
  readonly sampling?: number;
  /**
   * Put prompts and completions on the spans (gen_ai.input.messages / gen_ai.output.messages),
   * as sent after the safety policy's redaction and scrubbed of secrets — never raw. Default false
   * (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true turns it on).
   */
  readonly captureContent?: boolean;
  /** Serve Prometheus metrics at `/metrics` on the stream's port (default true). */
  readonly metrics?: boolean;
  /** A token only for `/metrics`; the stream's token is accepted too (default: only the stream's token). */
  readonly metricsToken?: string;
  /** Milliseconds between batched exports (OTEL_BSP_SCHEDULE_DELAY; default 5000). */
  readonly batchDelayMs?: number;
  /** Spans kept waiting for export at most; more are dropped and counted (OTEL_BSP_MAX_QUEUE_SIZE; default 2048). */
  readonly maxQueueSize?: number;
}

export interface ResolvedTraces {
  /** The full URL spans are posted to. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly protocol: "http/protobuf" | "http/json";
  readonly serviceName: string;
  readonly sampling: number;
  readonly batchDelayMs: number;
  readonly maxQueueSize: number;
  readonly captureContent: boolean;
}

export interface ResolvedTelemetry {
  /** null: no traces are exported. */
  readonly traces: ResolvedTraces | null;
  readonly metrics: boolean;
  readonly metricsToken: string | null;
}

type Env = Readonly<Record<string, string | undefined>>;

function bad(path: string, expected: string, got: unknown): never {
  throw new IronError("IRON_ERR_CONFIG", "invalid telemetry option", { path: `telemetry.${path}`, expected, got });
}

// OTEL_EXPORTER_OTLP_HEADERS: `name=value,name2=value2`, values URL-encoded.
function parseHeaders(text: string, name: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw new IronError("IRON_ERR_CONFIG", "invalid environment variable", { path: name, expected: "name=value pairs separated by commas", got: part });
    headers[decodeURIComponent(part.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return headers;
}

function envNumber(env: Env, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new IronError("IRON_ERR_CONFIG", "invalid environment variable", { path: name, expected: "a number", got: value });
  return n;
}

// The exporters' URL: the signal-specific variable is used as is, a base URL gets `/v1/traces`.
function tracesUrl(options: TelemetryOptions, env: Env): string | null {
  if (options.endpoint !== undefined) return `${options.endpoint.replace(/\/+$/, "")}/v1/traces`;
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (full !== undefined && full !== "") return full;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base !== undefined && base !== "" ? `${base.replace(/\/+$/, "")}/v1/traces` : null;
}

/** Validates the options and fills what they leave out from the environment. */
export function resolveTelemetry(options: TelemetryOptions = {}, env: Env = process.env): ResolvedTelemetry {
  if (options.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(options.endpoint)) bad("endpoint", "an http(s) URL", options.endpoint);
  if (options.protocol !== undefined && options.protocol !== "http/protobuf" && options.protocol !== "http/json") bad("protocol", '"http/protobuf" or "http/json"', options.protocol);
  if (options.sampling !== undefined && !(typeof options.sampling === "number" && options.sampling >= 0 && options.sampling <= 1)) bad("sampling", "a number from 0 to 1", options.sampling);
  if (options.metricsToken !== undefined && !(typeof options.metricsToken === "string" && options.metricsToken.length >= 16))
    bad("metricsToken", "a string of at least 16 characters", options.metricsToken);
  const disabled = options.traces === false || (options.traces === undefined && env.OTEL_SDK_DISABLED?.toLowerCase() === "true");
  const url = disabled ? null : tracesUrl(options, env);
  if (url !== null && !/^https?:\/\/[^\s/]+/.test(url)) bad("endpoint", "an http(s) URL (from OTEL_EXPORTER_OTLP_ENDPOINT)", url);
  const envProtocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  const protocol = options.protocol ?? (envProtocol === "http/json" ? "http/json" : "http/protobuf");
  if (url !== null && options.protocol === undefined && envProtocol !== undefined && envProtocol !== "http/json" && envProtocol !== "http/protobuf") {
    throw new IronError("IRON_ERR_CONFIG", "invalid environment variable", {
      path: "OTEL_EXPORTER_OTLP_PROTOCOL",
      expected: '"http/protobuf" or "http/json" (iron exports over HTTP)',
      got: envProtocol,
    });
  }
  const sampler = env.OTEL_TRACES_SAMPLER;
  const envRatio = sampler === "always_off" ? 0 : sampler === "traceidratio" || sampler === "parentbased_traceidratio" ? envNumber(env, "OTEL_TRACES_SAMPLER_ARG") : undefined;
  const sampling = options.sampling ?? envRatio ?? 1;
  if (!(sampling >= 0 && sampling <= 1)) bad("sampling", "a number from 0 to 1 (from OTEL_TRACES_SAMPLER_ARG)", sampling);
  const headers = {
    ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS ?? "", "OTEL_EXPORTER_OTLP_HEADERS"),
    ...parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? "", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
    ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const batchDelayMs = options.batchDelayMs ?? envNumber(env, "OTEL_BSP_SCHEDULE_DELAY") ?? 5000;
  if (!(Number.isInteger(batchDelayMs) && batchDelayMs > 0)) bad("batchDelayMs", "a positive integer", batchDelayMs);
  const maxQueueSize = options.maxQueueSize ?? envNumber(env, "OTEL_BSP_MAX_QUEUE_SIZE") ?? 2048;
  if (!(Number.isInteger(maxQueueSize) && maxQueueSize > 0)) bad("maxQueueSize", "a positive integer", maxQueueSize);
  if (options.captureContent !== undefined && typeof options.captureContent !== "boolean") bad("captureContent", "true or false", options.captureContent);
  const captureContent = options.captureContent ?? env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() === "true";
  const serviceName = options.serviceName ?? (env.OTEL_SERVICE_NAME || "iron");
  const traces = url === null ? null : Object.freeze({ url, headers: Object.freeze(headers), protocol, serviceName, sampling, batchDelayMs, maxQueueSize, captureContent });
  if (options.metrics !== undefined && typeof options.metrics !== "boolean") bad("metrics", "true or false", options.metrics);
  return Object.freeze({ traces, metrics: options.metrics ?? true, metricsToken: options.metricsToken ?? null });
}
