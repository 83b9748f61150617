// Per-minute totals for the charts: calls by outcome, tokens in/out and cost, over the last
// hour. Fed once per call (the dashboard state remembers what it already counted, and moves a
// call whose outcome changed, as a response redacted or denied after the request was allowed).
import type { CallOutcome } from "../../../src/events/call-outcome.js";

export interface MinuteBucket {
  allowed: number;
  modified: number;
  redacted: number;
  denied: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

/** The chart series, one point per minute, oldest first; `minutes` are unix seconds (uPlot's x). */
export interface TimelineSeries {
  readonly minutes: number[];
  readonly allowed: number[];
  readonly modified: number[];
  readonly redacted: number[];
  readonly denied: number[];
  readonly inputTokens: number[];
  readonly outputTokens: number[];
  readonly costUsd: number[];
}

const MINUTE = 60_000;

/** The bucket field each settled outcome is counted in. */
const FIELD: Record<Exclude<CallOutcome, "pending">, "allowed" | "modified" | "redacted" | "denied"> = {
  allow: "allowed",
  modify: "modified",
  redact: "redacted",
  deny: "denied",
};

export class Timeline {
  readonly #buckets = new Map<number, MinuteBucket>();
  readonly #window: number;
  #newest = 0;

  /** Keeps `windowMinutes` minutes up to the newest one seen. */
  constructor(windowMinutes = 60) {
    this.#window = windowMinutes;
  }

  /** Counts a call under its outcome at the call's time (`delta` -1 takes it back out, when its outcome changed). */
  addOutcome(ts: number, outcome: Exclude<CallOutcome, "pending">, delta = 1): void {
    const b = this.#bucket(ts);
    if (b === null) return;
    b[FIELD[outcome]] += delta;
  }

  /** Adds what a response used and cost at the call's time. */
  addUsage(ts: number, inputTokens: number, outputTokens: number, costMicros: number): void {
    const b = this.#bucket(ts);
    if (b === null) return;
    b.inputTokens += inputTokens;
    b.outputTokens += outputTokens;
    b.costMicros += costMicros;
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** The last `windowMinutes` minutes ending at `now`'s minute, zero-filled. */
  series(now: number): TimelineSeries {
    const end = Math.max(Math.floor(now / MINUTE), this.#newest);
    const out: TimelineSeries = { minutes: [], allowed: [], modified: [], redacted: [], denied: [], inputTokens: [], outputTokens: [], costUsd: [] };
    for (let m = end - this.#window + 1; m <= end; m++) {
      const b = this.#buckets.get(m);
      out.minutes.push(m * 60);
      out.allowed.push(b?.allowed ?? 0);
      out.modified.push(b?.modified ?? 0);
      out.redacted.push(b?.redacted ?? 0);
      out.denied.push(b?.denied ?? 0);
      out.inputTokens.push(b?.inputTokens ?? 0);
      out.outputTokens.push(b?.outputTokens ?? 0);
      out.costUsd.push((b?.costMicros ?? 0) / 1_000_000);
    }
    return out;
  }

  // The bucket of a time; null when it is older than the window (then nothing is counted).
  #bucket(ts: number): MinuteBucket | null {
    const minute = Math.floor(ts / MINUTE);
    if (minute > this.#newest) {
      this.#newest = minute;
      for (const key of this.#buckets.keys()) if (key <= minute - this.#window) this.#buckets.delete(key);
    }
    if (minute <= this.#newest - this.#window) return null;
    let b = this.#buckets.get(minute);
    if (b === undefined) {
      b = { allowed: 0, modified: 0, redacted: 0, denied: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 };
      this.#buckets.set(minute, b);
    }
    return b;
  }
}
