// Rate limits as token buckets refilled continuously (requests or tokens per minute). A call
// that does not fit now may take its place in line — the bucket goes into debt and the call
// waits until its share has refilled — if that wait is short; otherwise it is refused with
// the time after which it would fit. Pure: time comes in as `now`. Keys can be chosen by
// peers (per-attribute limits), so a bucket that has refilled to its size is dropped: a
// missing bucket reads as full, so dropping it changes no answer.

interface Bucket {
  level: number;
  at: number;
  /** When it is full again (and may be dropped). */
  fullAt: number;
}

/** One limit a call must pass: a bucket key, its size per minute, and what the call costs. */
export interface RateCharge {
  readonly key: string;
  readonly perMinute: number;
  readonly cost: number;
}

export type RateAnswer = { readonly ok: true; readonly waitMs: number } | { readonly ok: false; readonly retryAfterMs: number; readonly key: string };

const MINUTE = 60_000;

/** Whatever answers rate-limit charges: this supervisor's buckets, or a fleet's shared allowance (which may have to ask the database). */
export interface RateLimits {
  take(charges: readonly RateCharge[], now: number, maxWaitMs: number): RateAnswer | Promise<RateAnswer>;
}

/** Token buckets by key. */
export class RateLimiter implements RateLimits {
  readonly #buckets = new Map<string, Bucket>();
  #sweptAt = Number.NEGATIVE_INFINITY;

  /** How many buckets are held (the ones not yet refilled to their size, give or take a minute). */
  get size(): number {
    return this.#buckets.size;
  }

  // The bucket's level at `now` (refilled since it was last touched, never above its size).
  #level(charge: RateCharge, now: number): number {
    const bucket = this.#buckets.get(charge.key);
    if (bucket === undefined) return charge.perMinute;
    return Math.min(charge.perMinute, bucket.level + ((now - bucket.at) * charge.perMinute) / MINUTE);
  }

  /**
   * Takes every charge at once, or none: the call waits as long as its slowest bucket needs,
   * which must be at most `maxWaitMs`. A cost above a bucket's size counts as its size.
   */
  take(charges: readonly RateCharge[], now: number, maxWaitMs: number): RateAnswer {
    this.#sweep(now);
    let waitMs = 0;
    for (const charge of charges) {
      const cost = Math.min(charge.cost, charge.perMinute);
      const level = this.#level(charge, now);
      const wait = level >= cost ? 0 : Math.ceil(((cost - level) * MINUTE) / charge.perMinute);
      if (wait > maxWaitMs) return { ok: false, retryAfterMs: wait, key: charge.key };
      waitMs = Math.max(waitMs, wait);
    }
    for (const charge of charges) {
      const cost = Math.min(charge.cost, charge.perMinute);
      const level = this.#level(charge, now) - cost;
      this.#buckets.set(charge.key, { level, at: now, fullAt: now + ((charge.perMinute - level) * MINUTE) / charge.perMinute });
    }
    return { ok: true, waitMs };
  }

  // At most once a minute, drops the buckets that are full by now: they read the same as none.
  #sweep(now: number): void {
    if (now - this.#sweptAt < MINUTE) return;
    this.#sweptAt = now;
    for (const [key, bucket] of this.#buckets) if (bucket.fullAt <= now) this.#buckets.delete(key);
  }
}
