// The event bus: gives each event its seq, persists it through the sink, then fans it out.
import type { EventInput, IronEvent } from "./types.js";

/** Where events are committed before anyone sees them (the store implements it). */
export interface EventSink {
  /** Commits one event and returns its seq (monotonic, starting after the last stored one). */
  append(event: EventInput, ts: number): number;
}

/** A sink that only counts: for library users who keep no store. */
export class CountingSink implements EventSink {
  #seq = 0;
  append(): number {
    this.#seq += 1;
    return this.#seq;
  }
}

export type EventListener = (event: IronEvent) => void;

/** Publishes events in seq order to listeners and async iterators. */
export class EventBus {
  readonly #sink: EventSink;
  readonly #listeners = new Set<EventListener>();
  readonly #clock: () => number;
  #closed = false;

  constructor(sink: EventSink = new CountingSink(), clock: () => number = Date.now) {
    this.#sink = sink;
    this.#clock = clock;
  }

  /** Commits an event, then delivers it; a throwing listener never stops the others. */
  publish<T extends EventInput>(input: T): IronEvent {
    const ts = this.#clock();
    const seq = this.#sink.append(input, ts);
    const event = { seq, ts, ...input } as IronEvent;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug is its own; the bus and the other listeners go on.
      }
    }
    return event;
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

  readonly #closeWaiters = new Set<() => void>();

  /** Ends every iterator once it has drained what it already has. */
  close(): void {
    this.#closed = true;
    for (const wake of this.#closeWaiters) wake();
  }
}
