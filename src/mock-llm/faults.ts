// Fault injection: per-request `x-mock-*` headers, a queue filled by the control API, and
// server-wide defaults, merged field by field in that order of precedence.
import type { IncomingHttpHeaders } from "node:http";
import type { ResolvedMockLlmOptions } from "./options.js";

/** The fault applied to one request (all-zero / undefined means "answer normally"). */
export interface Fault {
  /** Answer with this HTTP error status and the provider's error body. */
  readonly status: number | undefined;
  /** Wait before answering. */
  readonly latencyMs: number;
  /** Wait between stream events. */
  readonly chunkDelayMs: number;
  /** Destroy the socket after this many SSE events (a non-stream answer is cut before its body). */
  readonly dropAfter: number | undefined;
  /** Seconds for `retry-after` (and `retry-after-ms`) on 429 / 503 / 529. */
  readonly retryAfter: number;
  /** When set, sent as `x-should-retry: true|false` with an error status. */
  readonly shouldRetry: boolean | undefined;
}

/** Part of a fault, as a header set or a control-API entry gives it. */
export interface FaultSpec {
  readonly status?: number;
  readonly latencyMs?: number;
  readonly chunkDelayMs?: number;
  readonly dropAfter?: number;
  readonly retryAfter?: number;
  readonly shouldRetry?: boolean;
}

/** A queued fault: applies to the next `remaining` requests on `path` (any path when unset). */
export interface QueuedFault extends FaultSpec {
  readonly path?: string;
  remaining: number;
}

/** A bad fault value (header or control body): names the key, what was expected and got. */
export class FaultValueError extends Error {
  constructor(
    readonly key: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`Invalid ${key}: expected ${expected}, got ${JSON.stringify(got)}`);
  }
}

type Check = (key: string, value: unknown) => number | boolean;

// Integer in a range, from a JSON number or a header string.
const intIn =
  (min: number, max: number): Check =>
  (key, value) => {
    const n = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw new FaultValueError(key, `an integer from ${min} to ${max}`, value);
    return n;
  };

// Non-negative seconds (fractions allowed), from a JSON number or a header string.
const seconds: Check = (key, value) => {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0 || n > 86_400) throw new FaultValueError(key, "a number of seconds from 0 to 86400", value);
  return n;
};

// true/false, from a JSON boolean or a header string.
const flag: Check = (key, value) => {
  if (value === true || value === "true" || value === "1") return true;
  if (value === false || value === "false" || value === "0") return false;
  throw new FaultValueError(key, "true or false", value);
};

const FIELDS: ReadonlyArray<readonly [keyof FaultSpec, string, Check]> = [
  ["status", "x-mock-status", intIn(400, 599)],
  ["latencyMs", "x-mock-latency-ms", intIn(0, 600_000)],
  ["chunkDelayMs", "x-mock-chunk-delay-ms", intIn(0, 600_000)],
  ["dropAfter", "x-mock-drop-after", intIn(0, 1_000_000)],
  ["retryAfter", "x-mock-retry-after", seconds],
  ["shouldRetry", "x-mock-should-retry", flag],
];

/** Reads the x-mock-* fault headers of one request; throws FaultValueError on a bad value. */
export function faultFromHeaders(headers: IncomingHttpHeaders): FaultSpec {
  const spec: Record<string, number | boolean> = {};
  for (const [field, header, check] of FIELDS) {
    const raw = headers[header];
    if (raw !== undefined) spec[field] = check(header, Array.isArray(raw) ? raw[0] : raw);
  }
  return spec as FaultSpec;
}

/** Reads a control-API fault: `{status?, latencyMs?, …, count?, path?}`; at least one fault field. */
export function faultFromJson(body: unknown): { spec: FaultSpec; count: number; path: string | undefined } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new FaultValueError("body", "a JSON object", body);
  const input = body as Record<string, unknown>;
  const spec: Record<string, number | boolean> = {};
  for (const [field, , check] of FIELDS) if (input[field] !== undefined) spec[field] = check(field, input[field]);
  if (Object.keys(spec).length === 0) throw new FaultValueError("body", `at least one of ${FIELDS.map(([f]) => f).join(", ")}`, body);
  const count = input.count === undefined ? 1 : (intIn(1, 1_000_000)("count", input.count) as number);
  const path = input.path;
  if (path !== undefined && (typeof path !== "string" || !path.startsWith("/"))) throw new FaultValueError("path", 'a path starting with "/"', path);
  return { spec: spec as FaultSpec, count, path };
}

/** The control API's queue: the next N matching requests get the queued fault. */
export class FaultQueue {
  readonly #entries: QueuedFault[] = [];

  /** Queues a fault for the next `count` requests on `path` (or on any path). */
  add(spec: FaultSpec, count: number, path: string | undefined): QueuedFault {
    const entry: QueuedFault = { ...spec, ...(path === undefined ? {} : { path }), remaining: count };
    this.#entries.push(entry);
    return entry;
  }

  /** Takes one use of the first fault matching `path`, if any. */
  take(path: string): FaultSpec | undefined {
    const index = this.#entries.findIndex((entry) => entry.path === undefined || entry.path === path);
    if (index < 0) return undefined;
    const entry = this.#entries[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    const { remaining: _remaining, path: _path, ...spec } = entry;
    return spec;
  }

  /** Removes every queued fault; returns how many entries there were. */
  clear(): number {
    return this.#entries.splice(0).length;
  }

  /** A copy of the queue, for GET /_mock/faults. */
  list(): QueuedFault[] {
    return this.#entries.map((entry) => ({ ...entry }));
  }
}

/** Merges header > queued > server-wide, field by field; `failPicked` says the fail-rate draw failed. */
export function resolveFault(headers: FaultSpec, queued: FaultSpec | undefined, options: ResolvedMockLlmOptions, failPicked: boolean): Fault {
  const serverStatus = failPicked ? (options.status ?? 500) : undefined;
  return {
    status: headers.status ?? queued?.status ?? serverStatus,
    latencyMs: headers.latencyMs ?? queued?.latencyMs ?? options.latencyMs,
    chunkDelayMs: headers.chunkDelayMs ?? queued?.chunkDelayMs ?? options.chunkDelayMs,
    dropAfter: headers.dropAfter ?? queued?.dropAfter,
    retryAfter: headers.retryAfter ?? queued?.retryAfter ?? options.retryAfter,
    shouldRetry: headers.shouldRetry ?? queued?.shouldRetry,
  };
}
