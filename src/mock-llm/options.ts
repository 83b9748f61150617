// Options for startMockLlm: the user's MockLlmOptions → defaults → validation → frozen
// ResolvedMockLlmOptions, checked in this one place with errors naming key, expected, got.
import { IronError } from "../errors.js";
import { silentLogger, type Logger } from "../telemetry/logger.js";

/** What a caller may set; every field is optional. */
export interface MockLlmOptions {
  /** Interface to bind; default "127.0.0.1". */
  readonly host?: string;
  /** TCP port; default 0 (any free port). */
  readonly port?: number;
  /** Reply with the last user message verbatim (as the `x-mock-echo: 1` header does per request). */
  readonly echo?: boolean;
  /** Reply with this fixed text instead of the default deterministic sentence. */
  readonly reply?: string;
  /** Wait this long before answering each request. */
  readonly latencyMs?: number;
  /** Wait this long between stream events. */
  readonly chunkDelayMs?: number;
  /** Answer requests with this HTTP error status (all of them, or `failRate` of them). */
  readonly status?: number;
  /** Fraction (0..1) of requests that fail with `status` (500 when no status is set). */
  readonly failRate?: number;
  /** Seed of the generator that picks which requests fail; default 0. */
  readonly seed?: number;
  /** Seconds sent in `retry-after` on 429/503/529 errors; default 1. */
  readonly retryAfter?: number;
  /** Answer 401 when a request carries no API key (Authorization, x-api-key or api-key). */
  readonly requireAuth?: boolean;
  /** How many requests the log keeps (oldest dropped first); default 1000. */
  readonly maxRecorded?: number;
  /** Largest request body accepted (413 above it); default 32 MiB. */
  readonly maxBodyBytes?: number;
  /** Where one line per request goes; default a silent logger. */
  readonly logger?: Logger;
}

/** Options after defaults and validation; frozen. */
export interface ResolvedMockLlmOptions {
  readonly host: string;
  readonly port: number;
  readonly echo: boolean;
  readonly reply: string | undefined;
  readonly latencyMs: number;
  readonly chunkDelayMs: number;
  readonly status: number | undefined;
  readonly failRate: number;
  readonly seed: number;
  readonly retryAfter: number;
  readonly requireAuth: boolean;
  readonly maxRecorded: number;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

const MAX_DELAY_MS = 600_000;

// Throws the one config error shape: which key, what was expected, what was got.
function invalid(key: string, expected: string, got: unknown): never {
  throw new IronError("IRON_ERR_CONFIG", `invalid mock-llm option ${key}`, { path: key, expected, got });
}

// Checks an optional integer option against a range, returning the default when unset.
function integer(key: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    invalid(key, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

// Checks an optional boolean option.
function boolean(key: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") invalid(key, "a boolean", value);
  return value;
}

/** Applies defaults, validates every field, and freezes the result. */
export function resolveMockLlmOptions(options: MockLlmOptions = {}): ResolvedMockLlmOptions {
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.trim() === "") invalid("host", "a host name or IP address", host);
  if (options.reply !== undefined && typeof options.reply !== "string") invalid("reply", "a string", options.reply);
  const status = options.status === undefined ? undefined : integer("status", options.status, 400, 599, 0);
  const failRate = options.failRate ?? (status === undefined ? 0 : 1);
  if (typeof failRate !== "number" || !Number.isFinite(failRate) || failRate < 0 || failRate > 1) {
    invalid("failRate", "a number from 0 to 1", failRate);
  }
  const retryAfter = options.retryAfter ?? 1;
  if (typeof retryAfter !== "number" || !Number.isFinite(retryAfter) || retryAfter < 0 || retryAfter > 86_400) {
    invalid("retryAfter", "a number of seconds from 0 to 86400", retryAfter);
  }
  return Object.freeze({
    host,
    port: integer("port", options.port, 0, 65_535, 0),
    echo: boolean("echo", options.echo),
    reply: options.reply,
    latencyMs: integer("latencyMs", options.latencyMs, 0, MAX_DELAY_MS, 0),
    chunkDelayMs: integer("chunkDelayMs", options.chunkDelayMs, 0, MAX_DELAY_MS, 0),
    status,
    failRate,
    seed: integer("seed", options.seed, 0, 2 ** 32 - 1, 0),
    retryAfter,
    requireAuth: boolean("requireAuth", options.requireAuth),
    maxRecorded: integer("maxRecorded", options.maxRecorded, 0, 1_000_000, 1000),
    maxBodyBytes: integer("maxBodyBytes", options.maxBodyBytes, 1, 2 ** 31 - 1, 32 * 1024 * 1024),
    logger: options.logger ?? silentLogger(),
  });
}
