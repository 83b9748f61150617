// Refused hellos, counted per source instead of stored one by one: anyone who can reach the
// socket can provoke a refusal, so what reaches the state file must stay bounded however many
// come. A source is what the hello claims (refusal code, requested name, host): the only thing
// ZeroMQ tells us about an unauthenticated peer.

/** One stored summary: the first refusal of a source in a window, or the count held back since. */
export interface Refusal {
  readonly code: string;
  readonly requested: string;
  readonly host: string;
  readonly pid: number;
  readonly reason: string;
  /** How many refusals this summary stands for (1 for the first of a window). */
  readonly count: number;
}

export interface RefusalTallyOptions {
  /** How long after a source's stored refusal the next ones are only counted (default 60 s). */
  readonly windowMs?: number;
  /** Sources tracked at once; refusals beyond count against one catch-all source (default 256). */
  readonly capacity?: number;
  readonly clock?: () => number;
}

interface Tally {
  readonly started: number;
  held: number;
  last: Omit<Refusal, "count">;
}

/** The catch-all source once `capacity` sources are tracked. */
export const OTHER_SOURCES = "(other sources)";

/** Counts refusals per source; says which ones to store, at most one per source and window. */
export class RefusalTally {
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #clock: () => number;
  readonly #tallies = new Map<string, Tally>();

  constructor(options: RefusalTallyOptions = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#capacity = options.capacity ?? 256;
    this.#clock = options.clock ?? Date.now;
  }

  /** Records one refusal; answers the summaries to store now (possibly none). */
  record(refusal: Omit<Refusal, "count">): Refusal[] {
    const now = this.#clock();
    const out = this.#expire(now);
    let key = `${refusal.code}\u0000${refusal.requested}\u0000${refusal.host}`;
    let entry = refusal;
    if (!this.#tallies.has(key) && this.#tallies.size >= this.#capacity) {
      key = `${refusal.code}\u0000${OTHER_SOURCES}`;
      entry = { ...refusal, requested: OTHER_SOURCES, host: OTHER_SOURCES };
    }
    const tally = this.#tallies.get(key);
    if (tally === undefined) {
      this.#tallies.set(key, { started: now, held: 0, last: entry });
      out.push({ ...entry, count: 1 });
    } else {
      tally.held += 1;
      tally.last = entry;
    }
    return out;
  }

  /** Every count still held back (at close), as summaries to store. */
  flush(): Refusal[] {
    const out: Refusal[] = [];
    for (const tally of this.#tallies.values()) if (tally.held > 0) out.push({ ...tally.last, count: tally.held });
    this.#tallies.clear();
    return out;
  }

  // Sources whose window has passed: their held count becomes a summary, and they start afresh.
  #expire(now: number): Refusal[] {
    const out: Refusal[] = [];
    for (const [key, tally] of this.#tallies) {
      if (now - tally.started < this.#windowMs) continue;
      if (tally.held > 0) out.push({ ...tally.last, count: tally.held });
      this.#tallies.delete(key);
    }
    return out;
  }
}
