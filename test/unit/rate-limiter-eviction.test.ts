// Protects the bound on rate-limit buckets: keys may be chosen by peers (per-attribute limits),
// so buckets that have refilled to their size are dropped (at most once a minute), while a bucket
// still short or in debt is kept and answers as before.
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/policy/rate-limiter.js";

describe("RateLimiter eviction", () => {
  it("drops the buckets of a thousand one-off keys once they have refilled", () => {
    const limiter = new RateLimiter();
    for (let i = 0; i < 1000; i++) expect(limiter.take([{ key: `user:u${i}/rpm`, perMinute: 60, cost: 1 }], 0, 0).ok).toBe(true);
    expect(limiter.size).toBe(1000);
    limiter.take([{ key: "user:late/rpm", perMinute: 60, cost: 1 }], 61_000, 0);
    expect(limiter.size).toBe(1);
  });

  it("keeps a bucket in debt until it is full, and its answers are unchanged", () => {
    const limiter = new RateLimiter();
    const big = { key: "user:heavy/rpm", perMinute: 60, cost: 60 };
    expect(limiter.take([big], 0, 0)).toEqual({ ok: true, waitMs: 0 });
    expect(limiter.take([big], 0, 60_000)).toEqual({ ok: true, waitMs: 60_000 }); // in debt: full again at 120 s
    limiter.take([{ key: "other", perMinute: 60, cost: 1 }], 61_000, 0); // sweeps
    expect(limiter.size).toBe(2);
    // At 61 s it holds 1 of 60: 5 more need 4 s (a dropped bucket would have let them through).
    expect(limiter.take([{ ...big, cost: 5 }], 61_000, 0)).toEqual({ ok: false, retryAfterMs: 4_000, key: "user:heavy/rpm" });
    expect(limiter.take([{ ...big, cost: 1 }], 125_000, 0)).toEqual({ ok: true, waitMs: 0 });
  });
});
