// The stream's window of recent events, already serialized: resumes of short gaps come from
// here, older ones from the store.
import { eventText } from "../events/event-text.js";
import type { IronEvent } from "../events/types.js";

/** A committed event with its JSON text, serialized once for every client. */
export interface Sent {
  readonly event: IronEvent;
  readonly data: string;
}

/** A Sent whose JSON text is asked for when a client first needs it: the text the store wrote, when it did. */
export class LazySent implements Sent {
  readonly event: IronEvent;

  constructor(event: IronEvent) {
    this.event = event;
  }

  get data(): string {
    return eventText(this.event);
  }
}

/** A ring of the last `size` events, in seq order. */
export class History {
  readonly #size: number;
  readonly #items: Sent[] = [];
  #start = 0;

  constructor(size: number) {
    this.#size = size;
  }

  push(item: Sent): void {
    if (this.#items.length - this.#start >= this.#size) this.#start += 1;
    this.#items.push(item);
    // Compact now and then, so the array does not grow without bound.
    if (this.#start > this.#size) {
      this.#items.splice(0, this.#start);
      this.#start = 0;
    }
  }

  /**
   * True when every event after `seq` is still here. An empty window covers nothing: the events
   * a replay asks for (there are some, or it would not ask) must then come from the store —
   * as for a stream started over a state file whose events it never published.
   */
  covers(seq: number): boolean {
    const first = this.#items[this.#start];
    return first !== undefined && first.event.seq <= seq + 1;
  }

  /** Up to `limit` events with seq > `after`, oldest first. */
  after(after: number, limit: number): Sent[] {
    const out: Sent[] = [];
    for (let i = this.#start; i < this.#items.length && out.length < limit; i += 1) {
      const item = this.#items[i] as Sent;
      if (item.event.seq > after) out.push(item);
    }
    return out;
  }
}
