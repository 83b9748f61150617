// Three supervisors on one real PostgreSQL server share one rate limit: 100 rpm is 100 requests
// per minute window for the whole fleet (not 100 each), a tpm limit counts tokens the same way,
// and the next window brings a fresh allowance.
import { describe, expect, it } from "vitest";
import type { RateAnswer } from "../../../src/policy/rate-limiter.js";
import { PostgresStore } from "../../../src/store/postgres/postgres-store.js";
import { testDatabase } from "../../helpers/postgres.js";

const WINDOW_START = Math.floor(Date.now() / 60_000) * 60_000;

describe("a fleet's rate limits", () => {
  it("lets exactly one allowance per window through the whole fleet, for requests and for tokens", async () => {
    const url = await testDatabase();
    const fleet = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url)));
    try {
      const limiters = fleet.map((s) => s.rateLimiter());
      const burst = (now: number, count: number, tokens: number): Promise<RateAnswer[]> =>
        Promise.all(
          Array.from({ length: count }, (_, i) =>
            limiters[i % 3]!.take(
              [
                { key: "provider:openai/rpm", perMinute: 100, cost: 1 },
                { key: "provider:openai/tpm", perMinute: 10_000, cost: tokens },
              ],
              now,
              1000,
            ),
          ),
        );
      const first = await burst(WINDOW_START + 1000, 300, 10);
      expect(first.filter((a) => a.ok).length).toBe(100);
      const refused = first.find((a) => !a.ok);
      expect(refused).toEqual({ ok: false, retryAfterMs: 59_000, key: "provider:openai/rpm" });

      // The next window: 200 tokens a call, so the 10 000 tpm allow at most 50 calls, not 100.
      // Slices are borrowed in 500s, so at the window's end a supervisor may hold less than a call's
      // worth that the others could have used: at most one call per supervisor goes unused.
      const second = await burst(WINDOW_START + 61_000, 300, 200);
      expect(second.filter((a) => a.ok).length).toBeLessThanOrEqual(50);
      expect(second.filter((a) => a.ok).length).toBeGreaterThanOrEqual(47);
      expect(second.find((a) => !a.ok)).toMatchObject({ key: "provider:openai/tpm" });
    } finally {
      await Promise.all(fleet.map((s) => s.close()));
    }
  });
});
