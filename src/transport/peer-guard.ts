// Abusive connections: a peer that keeps sending what the protocol drops (undecodable payloads,
// messages before hello, bad envelopes) is muted — its messages are then dropped unread.

export interface PeerGuardOptions {
  /** Dropped messages in a row before a peer is muted (default 20). */
  readonly strikes?: number;
  /** Peers remembered at most (oldest forgotten first), so a flood cannot grow memory (default 10 000). */
  readonly capacity?: number;
}

/** Strike counts and the muted set, by routing id (one per connection: shims never reuse one). */
export class PeerGuard {
  readonly #limit: number;
  readonly #capacity: number;
  readonly #strikes = new Map<string, number>();
  readonly #muted = new Set<string>();

  constructor(options: PeerGuardOptions = {}) {
    this.#limit = options.strikes ?? 20;
    this.#capacity = options.capacity ?? 10_000;
  }

  /** True when this peer's messages are to be dropped without reading them. */
  isMuted(key: string): boolean {
    return this.#muted.has(key);
  }

  /** Counts one dropped message; true when this strike mutes the peer. */
  strike(key: string): boolean {
    const count = (this.#strikes.get(key) ?? 0) + 1;
    this.#strikes.delete(key); // re-insert: Map order is the eviction order
    if (count < this.#limit) {
      this.#strikes.set(key, count);
      forgetOldest(this.#strikes, this.#capacity);
      return false;
    }
    this.#muted.add(key);
    forgetOldest(this.#muted, this.#capacity);
    return true;
  }

  /** Mutes a peer at once (too many connections, or no hello in time). */
  mute(key: string): void {
    this.#muted.add(key);
    forgetOldest(this.#muted, this.#capacity);
  }

  /** The connection behind a routing id closed: a new one with that id starts afresh. */
  forget(key: string): void {
    this.#strikes.delete(key);
    this.#muted.delete(key);
  }

  /** A peer that authenticated starts with a clean record. */
  clear(key: string): void {
    this.#strikes.delete(key);
  }
}

// Keeps a Map or Set within its capacity by dropping the oldest entries.
function forgetOldest(entries: Map<string, unknown> | Set<string>, capacity: number): void {
  while (entries.size > capacity) {
    const oldest = entries.keys().next().value as string;
    entries.delete(oldest);
  }
}
