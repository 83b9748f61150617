// The event bus: numbers each event (seq), scrubs it, hands it to the sink to commit, and
// fans out only what the sink reports committed — so nobody sees an event the store lost. An event
// may take its place in the order at once and be scrubbed and handed over later (`publishLater`),
// so the decision path pays for a number, not for the scrubbing.
import { Scrubber } from "./scrub.js";
import type { EventInput, IronEvent } from "./types.js";

/** Where events are committed before anyone sees them (the store implements it). */
export interface EventSink {
  /** The highest seq already stored; the bus numbers new events after it. */
  readonly lastSeq: number;
  /** Takes a numbered event to commit; committed batches go to the function given to `onCommit`. */
  append(event: IronEvent): void;
  /** Called once by the bus: how committed batches (in seq order) reach listeners. */
  onCommit(deliver: (batch: readonly IronEvent[]) => void): void;
  /** Commits and delivers whatever is pending, now. */
  flush(): void;
}

/** A sink that keeps nothing and delivers at once: for library users who keep no store. */
export class ImmediateSink implements EventSink {
  readonly lastSeq = 0;
  #deliver: (batch: readonly IronEvent[]) => void = () => undefined;

  append(event: IronEvent): void {
    this.#deliver([event]);
  }

  onCommit(deliver: (batch: readonly IronEvent[]) => void): void {
    this.#deliver = deliver;
  }

  flush(): void {
    // Nothing is ever pending.
  }
}

export type EventListener = (event: IronEvent) => void;

/** An event numbered and stamped, waiting to be built, scrubbed and handed to the sink. */
interface Numbered {
  readonly seq: number;
  readonly ts: number;
  readonly build: () => EventInput;
}

/**
 * The longest a numbered event waits for its hand-over when nothing publishes or drains meanwhile
 * (a decision held up by a rate limit). One timer serves every event numbered in that time, so a
 * decision does not pay for a timer of its own.
 */
const LATER_MS = 20;

/** Publishes events in seq order to listeners and async iterators. */
export class EventBus {
  readonly #sink: EventSink;
  readonly #listeners = new Set<EventListener>();
  readonly #clock: () => number;
  readonly #scrubber: Scrubber;
  readonly #closeWaiters = new Set<() => void>();
  #seq: number;
  #delivered: number;
  #closed = false;
  /** Numbered events not yet handed to the sink, in seq order. */
  readonly #later: Numbered[] = [];
  #laterTimer: NodeJS.Timeout | null = null;

  constructor(sink: EventSink = new ImmediateSink(), clock: () => number = Date.now, scrubber: Scrubber = new Scrubber()) {
    this.#sink = sink;
    this.#clock = clock;
    this.#scrubber = scrubber;
    this.#seq = sink.lastSeq;
    this.#delivered = sink.lastSeq;
    sink.onCommit((batch) => this.#deliver(batch));
  }

  /** The scrubber every event passes through (the supervisor registers its secrets with it). */
  get scrubber(): Scrubber {
    return this.#scrubber;
  }

  /** The seq of the last event delivered to listeners. */
  get lastDelivered(): number {
    return this.#delivered;
  }

  /** Numbers, scrubs and commits an event; listeners get it once the sink has committed it. */
  publish<T extends EventInput>(input: T): IronEvent {
    if (this.#later.length > 0) this.drain();
    this.#seq += 1;
    const event = this.#scrubber.stamped(this.#seq, this.#clock(), input) as unknown as IronEvent;
    this.#sink.append(event);
    return event;
  }

  /**
   * Numbers and stamps an event now, and builds, scrubs and commits it later: at the next `drain()`
   * or `publish()`, or within LATER_MS when neither comes. Its place in the order is the one
   * `publish` would have given it now; the sink still receives every event in seq order. `build`
   * must not throw, and must give what it would have given now.
   */
  publishLater(build: () => EventInput): void {
    this.#seq += 1;
    this.#later.push({ seq: this.#seq, ts: this.#clock(), build });
    this.#laterTimer ??= setTimeout(() => {
      this.#laterTimer = null;
      this.drain();
    }, LATER_MS).unref();
  }

  /** Scrubs and hands to the sink every event numbered by `publishLater`, in order. */
  drain(): void {
    // One at a time: a listener that publishes while one is appended (a failed store delivers at
    // once) drains the rest first, so its event still comes after them.
    let next = this.#later.shift();
    while (next !== undefined) {
      this.#sink.append(this.#scrubber.stamped(next.seq, next.ts, next.build()) as unknown as IronEvent);
      next = this.#later.shift();
    }
  }

  // Fans a committed batch out; a throwing listener never stops the others.
  #deliver(batch: readonly IronEvent[]): void {
    for (const event of batch) {
      this.#delivered = event.seq;
      for (const listener of this.#listeners) {
        try {
          listener(event);
        } catch {
          // A listener's bug is its own; the bus and the other listeners go on.
        }
      }
    }
  }

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Live events as an async iterator, ending when the bus closes or the loop breaks. */
  async *iterate(): AsyncGenerator<IronEvent> {
    const queue: IronEvent[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = this.subscribe((event) => {
      queue.push(event);
      wake?.();
    });
    const onClose = (): void => wake?.();
    this.#closeWaiters.add(onClose);
    try {
      while (true) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      unsubscribe();
      this.#closeWaiters.delete(onClose);
    }
  }

  /** Commits what is pending, then ends every iterator once it has drained what it has. */
  close(): void {
    if (this.#laterTimer !== null) clearTimeout(this.#laterTimer);
    this.#laterTimer = null;
    this.drain();
    this.#sink.flush();
    this.#closed = true;
    for (const wake of this.#closeWaiters) wake();
  }
}
