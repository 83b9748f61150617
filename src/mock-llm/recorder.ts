// The request log: every provider request the mock saw (bounded, oldest dropped first),
// with API keys redacted, for tests to assert on and for GET /_mock/requests.
import { PROVIDER_WIRE } from "./provider-facts.js";
import type { IncomingHttpHeaders } from "node:http";
import type { Provider } from "./errors.js";

/** Headers whose values are never stored, logged or returned. */
export const REDACTED_HEADERS: readonly string[] = PROVIDER_WIRE.secrets.headers;

/** One recorded request. `status` is null until the answer is complete (or the socket cut). */
export interface RecordedRequest {
  readonly seq: number;
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly provider: Provider | null;
  readonly requestId: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; the raw text when it is not JSON; null when empty. */
  readonly body: unknown;
  readonly status: number | null;
  readonly durationMs: number | null;
}

type Entry = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** Copies headers with every secret-bearing value replaced by "[redacted]". */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = REDACTED_HEADERS.includes(name) ? "[redacted]" : Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** A bounded log of RecordedRequest entries. */
export class RequestRecorder {
  readonly #max: number;
  readonly #entries: Entry[] = [];
  #seq = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** Starts an entry for a request that just arrived; the handle fills in body and outcome. */
  start(init: Pick<RecordedRequest, "method" | "path" | "provider" | "requestId"> & { headers: IncomingHttpHeaders }): RecordHandle {
    this.#seq += 1;
    const entry: Entry = { seq: this.#seq, time: new Date().toISOString(), ...init, headers: redactHeaders(init.headers), body: null, status: null, durationMs: null };
    if (this.#max > 0) {
      this.#entries.push(entry);
      if (this.#entries.length > this.#max) this.#entries.splice(0, this.#entries.length - this.#max);
    }
    const started = performance.now();
    return {
      body: (body) => {
        entry.body = body;
      },
      finish: (status) => {
        if (entry.durationMs !== null) return;
        entry.status = status;
        entry.durationMs = Math.round(performance.now() - started);
      },
      entry,
    };
  }

  /** A snapshot of the log, oldest first. */
  list(): RecordedRequest[] {
    return this.#entries.map((entry) => ({ ...entry }));
  }

  /** Empties the log; returns how many entries it held. */
  clear(): number {
    return this.#entries.splice(0).length;
  }
}

/** Lets the server fill in an entry as the request proceeds. */
export interface RecordHandle {
  body(body: unknown): void;
  finish(status: number | null): void;
  readonly entry: RecordedRequest;
}
