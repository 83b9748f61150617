// The connections of the ROUTER socket, by routing id, from its connect/disconnect notices:
// how many are open, which have not said hello yet and for how long. A connection over the
// limit or past its hello deadline is muted (its messages dropped unread).

export interface ConnectionLimits {
  /** Connections served at once; further ones are muted until one closes (default 1024). */
  readonly maxConnections?: number;
  /** Time a connection has to be welcomed before it is muted (default 10 s). */
  readonly helloTimeoutMs?: number;
  readonly clock?: () => number;
}

interface Connection {
  readonly at: number;
  /** Counts against the limit: open, not muted. */
  counted: boolean;
  welcomed: boolean;
}

/** What a notice meant for a connection. */
export type Notice = "connected" | "disconnected" | "over-limit";

/** Open connections and their hello deadlines. */
export class Connections {
  readonly #max: number;
  readonly #helloMs: number;
  readonly #clock: () => number;
  readonly #open = new Map<string, Connection>();
  #counted = 0;

  constructor(limits: ConnectionLimits = {}) {
    this.#max = limits.maxConnections ?? 1024;
    this.#helloMs = limits.helloTimeoutMs ?? 10_000;
    this.#clock = limits.clock ?? Date.now;
  }

  get helloTimeoutMs(): number {
    return this.#helloMs;
  }

  /** An empty message from a routing id: it connected if it was not open, else it left. */
  notice(key: string): Notice {
    const open = this.#open.get(key);
    if (open !== undefined) {
      this.#open.delete(key);
      if (open.counted) this.#counted -= 1;
      return "disconnected";
    }
    const counted = this.#counted < this.#max;
    this.#open.set(key, { at: this.#clock(), counted, welcomed: false });
    if (counted) this.#counted += 1;
    this.#forgetStale();
    return counted ? "connected" : "over-limit";
  }

  /** True while a routing id has an open connection (one the socket announced). */
  isOpen(key: string): boolean {
    return this.#open.has(key);
  }

  /** A welcomed connection has no hello deadline any more. */
  welcomed(key: string): void {
    const open = this.#open.get(key);
    if (open !== undefined) open.welcomed = true;
  }

  /** Connections past their hello deadline, now no longer counted: the caller mutes them. */
  overdue(): string[] {
    const now = this.#clock();
    const out: string[] = [];
    for (const [key, open] of this.#open) {
      if (!open.counted || open.welcomed || now - open.at < this.#helloMs) continue;
      open.counted = false;
      this.#counted -= 1;
      out.push(key);
    }
    return out;
  }

  /** Connections counted against the limit. */
  get size(): number {
    return this.#counted;
  }

  // A peer that sends an empty message itself flips its own entry; uncounted entries beyond
  // four times the limit are forgotten, oldest first, so such flips cannot grow memory.
  #forgetStale(): void {
    if (this.#open.size <= this.#max * 4) return;
    for (const [key, open] of this.#open) {
      if (this.#open.size <= this.#max * 4) return;
      if (!open.counted) this.#open.delete(key);
    }
  }
}
