// Rate limits shared by a fleet: each limit (rpm or tpm) is one allowance per minute window for
// every supervisor on the database. A supervisor borrows slices of the window's allowance (one
// conditional UPDATE: `used + slice <= allowance`) and answers calls from them in memory; only a
// call its slices cannot cover waits for the database.
import type pg from "pg";
import type { IronError } from "../../errors.js";
import type { RateAnswer, RateCharge, RateLimits } from "../../policy/rate-limiter.js";

const MINUTE = 60_000;

/** The largest slice borrowed at once, as a fraction of the allowance. */
const SLICE_FRACTION = 0.05;

export interface FleetRateContext {
  readonly pool: pg.Pool;
  readonly keyOf: (key: string) => string;
  readonly onError: (error: unknown, doing: string) => IronError;
}

interface Slice {
  left: number;
  /** The fleet's allowance for the window is lent out: nothing more this window. */
  spent: boolean;
  borrowing: Promise<void> | null;
}

/** Borrows up to `want` (at least `min`) of a window's allowance; returns what was lent (0: the window is used up). */
export async function borrowAllowance(pool: pg.Pool, key: string, win: number, allowance: number, min: number, want: number): Promise<number> {
  await pool.query("INSERT INTO rate_windows (key, win, allowance) VALUES ($1, $2, $3) ON CONFLICT (key, win) DO NOTHING", [key, win, allowance]);
  const { rows } = await pool.query<{ granted: number }>(
    `WITH w AS (SELECT allowance - used AS free FROM rate_windows WHERE key = $1 AND win = $2 FOR UPDATE)
     UPDATE rate_windows r SET used = r.used + LEAST($4, w.free) FROM w WHERE r.key = $1 AND r.win = $2 AND w.free >= $3
     RETURNING LEAST($4, w.free) AS granted`,
    [key, win, min, want],
  );
  return rows[0]?.granted ?? 0;
}

/** Rate limits as one allowance per window for the fleet. */
export class FleetRateLimiter implements RateLimits {
  readonly #c: FleetRateContext;
  readonly #slices = new Map<string, Slice>();
  #lastWin = 0;

  constructor(context: FleetRateContext) {
    this.#c = context;
  }

  #slice(key: string, win: number): Slice {
    const id = `${key}@${win}`;
    let slice = this.#slices.get(id);
    if (slice === undefined) {
      slice = { left: 0, spent: false, borrowing: null };
      this.#slices.set(id, slice);
    }
    return slice;
  }

  /** Takes every charge from this supervisor's slices at once, or none; borrows (and waits) only when a slice is short. */
  take(charges: readonly RateCharge[], now: number, maxWaitMs: number): RateAnswer | Promise<RateAnswer> {
    const win = Math.floor(now / MINUTE);
    if (win !== this.#lastWin) this.#forget(win);
    const short = charges.filter((c) => this.#slice(this.#c.keyOf(c.key), win).left < Math.min(c.cost, c.perMinute));
    if (short.length === 0) return this.#consume(charges, win);
    const used = short.find((c) => this.#slice(this.#c.keyOf(c.key), win).spent);
    if (used !== undefined) return this.#refuse(used, now);
    return Promise.all(short.map((c) => this.#borrow(c, win))).then(() => this.take(charges, now, maxWaitMs));
  }

  #consume(charges: readonly RateCharge[], win: number): RateAnswer {
    for (const c of charges) this.#slice(this.#c.keyOf(c.key), win).left -= Math.min(c.cost, c.perMinute);
    return { ok: true, waitMs: 0 };
  }

  // The window's allowance is lent out: try again when the next window opens.
  #refuse(charge: RateCharge, now: number): RateAnswer {
    return { ok: false, retryAfterMs: MINUTE - (now % MINUTE), key: charge.key };
  }

  // One borrow per key and window at a time; a refusal marks the window used up for this supervisor.
  #borrow(charge: RateCharge, win: number): Promise<void> {
    const key = this.#c.keyOf(charge.key);
    const slice = this.#slice(key, win);
    slice.borrowing ??= (async () => {
      const cost = Math.min(charge.cost, charge.perMinute);
      const min = Math.max(1, cost - slice.left);
      const want = Math.max(min, Math.floor(charge.perMinute * SLICE_FRACTION));
      try {
        const granted = await borrowAllowance(this.#c.pool, key, win, charge.perMinute, min, want);
        slice.left += granted;
        if (granted === 0) {
          // This supervisor is done with the window: what it still holds is of more use to the others.
          slice.spent = true;
          const unused = slice.left;
          slice.left = 0;
          if (unused > 0) await this.#c.pool.query("UPDATE rate_windows SET used = used - $3 WHERE key = $1 AND win = $2", [key, win, unused]);
        }
      } catch (error) {
        // Fail closed: without the database no more than what was borrowed goes out.
        slice.spent = true;
        this.#c.onError(error, "borrowing a rate-limit allowance");
      } finally {
        slice.borrowing = null;
      }
    })();
    return slice.borrowing;
  }

  // Slices of past windows are worthless: drop them (the database keeps its rows for inspection).
  #forget(win: number): void {
    this.#lastWin = win;
    for (const id of this.#slices.keys()) if (Number(id.slice(id.lastIndexOf("@") + 1)) < win) this.#slices.delete(id);
  }
}
