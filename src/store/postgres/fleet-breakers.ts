// Breakers shared by a fleet: the pure XState board decides from this supervisor's outcomes;
// this adapter writes each of its transitions to the fleet's row (conditionally), follows the
// other supervisors' transitions (NOTIFY), and lets only the holder of the fleet's half-open
// probe send probe calls.
import type pg from "pg";
import type { IronError } from "../../errors.js";
import { BreakerBoard, type Admission, type BreakerChange, type BreakerClock } from "../../policy/breaker/board.js";
import type { BreakerSettings } from "../../policy/breaker/machine.js";
import { BREAKER_CHANNEL, readBreaker, readBreakers, writeBreaker, type BreakerRow, type BreakerWrite } from "./breaker-sql.js";

export interface FleetBreakerContext {
  readonly pool: pg.Pool;
  readonly supervisorId: number;
  readonly onError: (error: unknown, doing: string) => IronError;
}

/** What this supervisor knows of a fleet row: its version and who holds the probe until when (local clock). */
interface Seen {
  version: number;
  probeHolder: number | null;
  probeUntil: number;
}

const keyOf = (provider: string, model: string): string => `${provider}\u0000${model}`;

/** A BreakerBoard whose breakers are the fleet's. */
export class FleetBreakerBoard extends BreakerBoard {
  readonly #c: FleetBreakerContext;
  readonly #probeLeaseMs: number;
  readonly #clock: BreakerClock;
  readonly #seen = new Map<string, Seen>();
  readonly #claiming = new Set<string>();
  /** Set while applying another supervisor's change, which must not be written back. */
  #following = false;
  #resetting = false;
  #stopped = false;

  constructor(settings: BreakerSettings, clock: BreakerClock, onChange: (change: BreakerChange) => void, context: FleetBreakerContext) {
    super(settings, clock, (change) => {
      onChange(change);
      if (!this.#following) this.#share(change);
    });
    this.#c = context;
    this.#probeLeaseMs = settings.probeLeaseMs;
    this.#clock = clock;
  }

  /** Subscribes a (re)connected listener to breaker notices and catches up with the fleet's rows. */
  async listen(listener: pg.Client): Promise<void> {
    listener.on("notification", (n) => {
      if (n.channel !== BREAKER_CHANNEL || n.payload === undefined) return;
      const { provider, model } = JSON.parse(n.payload) as { provider: string; model: string };
      void this.#refresh(provider, model);
    });
    await listener.query(`LISTEN ${BREAKER_CHANNEL}`);
    for (const row of await readBreakers(this.#c.pool)) this.#apply(row);
  }

  /** While half-open, only the supervisor holding the fleet's probe lets probe calls through. */
  override admit(provider: string, model: string, now: number): Admission {
    if (this.state(provider, model) !== "halfOpen") return super.admit(provider, model, now);
    const seen = this.#seen.get(keyOf(provider, model));
    const live = seen !== undefined && seen.probeHolder !== null && seen.probeUntil > Date.now();
    if (live && seen.probeHolder === this.#c.supervisorId) return super.admit(provider, model, now);
    if (!live) this.#claim(provider, model);
    const reason = live ? `half-open: supervisor ${seen.probeHolder} holds the fleet's probe` : "half-open: claiming the fleet's probe";
    return { ok: false, state: "halfOpen", retryAfterMs: 1000, reason };
  }

  /** An operator's reset closes the breaker for the whole fleet. */
  override reset(provider: string, model: string, reason: string): boolean {
    this.#resetting = true;
    try {
      const had = super.reset(provider, model, reason);
      this.#write(provider, model, { kind: "reset", reason });
      return had;
    } finally {
      this.#resetting = false;
    }
  }

  override stop(): void {
    this.#stopped = true;
    super.stop();
  }

  // This supervisor's own transition, as a conditional write to the fleet's row.
  #share(change: BreakerChange): void {
    const { provider, model, from, to, reason } = change;
    if (this.#resetting) return;
    if (to === "open") this.#write(provider, model, { kind: from === "halfOpen" ? "reopen" : "open", cooldownMs: change.cooldownMs ?? 0, reason });
    else if (to === "closed") this.#write(provider, model, { kind: "close", reason });
    else this.#claim(provider, model);
  }

  #claim(provider: string, model: string): void {
    const key = keyOf(provider, model);
    if (this.#claiming.has(key)) return;
    this.#claiming.add(key);
    this.#write(provider, model, { kind: "claim", leaseMs: this.#probeLeaseMs }, () => this.#claiming.delete(key));
  }

  #write(provider: string, model: string, write: BreakerWrite, done?: () => void): void {
    writeBreaker(this.#c.pool, this.#c.supervisorId, provider, model, write)
      .then(({ row }) => {
        if (row !== null) this.#apply(row);
      })
      .catch((error: unknown) => this.#c.onError(error, `sharing the ${provider}/${model} breaker`))
      .finally(() => done?.());
  }

  async #refresh(provider: string, model: string): Promise<void> {
    try {
      const row = await readBreaker(this.#c.pool, provider, model);
      if (row !== null) this.#apply(row);
    } catch (error) {
      this.#c.onError(error, `reading the ${provider}/${model} breaker`);
    }
  }

  // Follows a row: a newer version written by another supervisor moves the local breaker too.
  #apply(row: BreakerRow): void {
    if (this.#stopped) return;
    const key = keyOf(row.provider, row.model);
    const seen = this.#seen.get(key) ?? { version: 0, probeHolder: null, probeUntil: 0 };
    this.#seen.set(key, seen);
    seen.probeHolder = row.probeHolder;
    seen.probeUntil = row.probeUntil === null ? 0 : Date.now() + (row.probeUntil - row.now);
    if (row.version <= seen.version) return;
    seen.version = row.version;
    if (row.changedBy === this.#c.supervisorId) return;
    const local = this.state(row.provider, row.model);
    this.#following = true;
    try {
      if (row.state === "closed" && local !== "closed") super.reset(row.provider, row.model, `closed by supervisor ${row.changedBy}: ${row.reason ?? ""}`);
      if (row.state === "open") {
        const left = (row.openedAt ?? row.now) + (row.cooldownMs ?? 0) - row.now;
        this.followOpen(row.provider, row.model, this.#clock.now(), Math.max(0, left), `opened by supervisor ${row.changedBy}: ${row.reason ?? ""}`);
      }
    } finally {
      this.#following = false;
    }
  }
}
