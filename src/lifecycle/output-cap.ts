// The rate cap on an agent's stored output: a token bucket per agent (N lines a second, a
// burst of B). Lines beyond it are counted, not published; once the bucket refills (the next
// admitted line) or the incarnation ends, one `[iron] dropped K lines` line says how many.
import type { OutputStream } from "./agent-output.js";

/** How many output lines of one agent become `agent.output` events. */
export interface OutputRate {
  /** Lines a second the bucket refills with. */
  readonly linesPerSecond: number;
  /** Lines the bucket holds: a burst this long passes at once. */
  readonly burst: number;
}

/** 200 lines a second, bursts of 2000: a chatty agent passes, a loop printing forever does not fill the store. */
export const DEFAULT_OUTPUT_RATE: OutputRate = Object.freeze({ linesPerSecond: 200, burst: 2000 });

/** Where a line (or a drop summary) goes once admitted. */
export type PublishLine = (run: number, stream: OutputStream, line: string) => void;

/** The summary line stored in place of `count` dropped lines. */
export function droppedLine(count: number): string {
  return `[iron] dropped ${count} output line${count === 1 ? "" : "s"} (output rate cap)`;
}

/** One agent's bucket; it lives across incarnations, its drop counts are settled per incarnation. */
export class OutputCap {
  readonly #rate: OutputRate;
  readonly #now: () => number;
  readonly #publish: PublishLine;
  #tokens: number;
  #last: number;
  readonly #dropped: Record<OutputStream, { run: number; count: number }> = { stdout: { run: 0, count: 0 }, stderr: { run: 0, count: 0 } };

  constructor(rate: OutputRate, publish: PublishLine, now: () => number = Date.now) {
    this.#rate = rate;
    this.#publish = publish;
    this.#now = now;
    this.#tokens = rate.burst;
    this.#last = now();
  }

  /** Publishes the line if the bucket has a token (after the summary of what was dropped before), else counts it. */
  line(run: number, stream: OutputStream, line: string): void {
    this.#refill();
    if (this.#tokens < 1) {
      const dropped = this.#dropped[stream];
      if (dropped.count > 0 && dropped.run !== run) this.#settle(stream);
      dropped.run = run;
      dropped.count += 1;
      return;
    }
    this.#tokens -= 1;
    this.#settle("stdout");
    this.#settle("stderr");
    this.#publish(run, stream, line);
  }

  /** The incarnation ended: its drop counts are published now, not with the next run's lines. */
  end(): void {
    this.#settle("stdout");
    this.#settle("stderr");
  }

  // Publishes one summary line for what a stream dropped, if anything.
  #settle(stream: OutputStream): void {
    const dropped = this.#dropped[stream];
    if (dropped.count === 0) return;
    this.#publish(dropped.run, stream, droppedLine(dropped.count));
    dropped.count = 0;
  }

  // Adds the tokens earned since the last line, up to the burst.
  #refill(): void {
    const now = this.#now();
    const earned = ((now - this.#last) * this.#rate.linesPerSecond) / 1000;
    this.#last = now;
    if (earned > 0) this.#tokens = Math.min(this.#rate.burst, this.#tokens + earned);
  }
}
