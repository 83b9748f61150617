// Keeps the budget scopes held in memory bounded (issue 16, item 9). With a budget per user or per
// day, every new attribute value and every new day adds scopes to the ledger's memory, to the
// balances published, and to every stream snapshot. After balances are published, scopes are
// retired from all three: periods that are over (`@day:`/`@month:` before today, nothing held),
// and — above `maxLiveScopes` — the least recently used idle scopes, when the ledger reads their
// spend back from its store on demand (a state file, a fleet's database). Spend stays in the store
// and the call ledger; a retired scope used again starts from what the store holds, so nothing is
// given back.
import type { EventBus } from "../events/bus.js";
import type { BudgetLedger, ScopeBalance } from "../policy/budget-ledger.js";
import { dayFormatter } from "../policy/budget-plan.js";

/** True for a scope of a day or month before `today` (`YYYY-MM-DD`). */
export function periodIsOver(scope: string, today: string): boolean {
  const day = /@day:(\d{4}-\d{2}-\d{2})$/.exec(scope)?.[1];
  if (day !== undefined) return day < today;
  const month = /@month:(\d{4}-\d{2})$/.exec(scope)?.[1];
  return month !== undefined && month < today.slice(0, 7);
}

/** Decides which scopes leave memory, and tells the bus so snapshots drop them too. */
export class BudgetScopeJanitor {
  readonly #ledger: BudgetLedger;
  readonly #bus: EventBus;
  readonly #max: number;
  readonly #today: (now: number) => string;
  #lastDay = "";
  /** A period that was over still held something at the last sweep: look again. */
  #periodsLeft = false;

  readonly #clock: () => number;

  constructor(ledger: BudgetLedger, bus: EventBus, maxLiveScopes: number, timeZone: string, clock: () => number = Date.now) {
    this.#clock = clock;
    this.#ledger = ledger;
    this.#bus = bus;
    this.#max = maxLiveScopes;
    this.#today = dayFormatter(timeZone);
  }

  /** Retires what may go, given the balances just published; answers the scopes retired. */
  sweep(balances: readonly ScopeBalance[]): readonly string[] {
    const forget = this.#ledger.forget?.bind(this.#ledger);
    if (forget === undefined) return [];
    const today = this.#today(this.#clock());
    const dayTurned = today !== this.#lastDay;
    this.#lastDay = today;
    const over = balances.length > this.#max;
    if (!dayTurned && !over && !this.#periodsLeft) return [];
    const retired: string[] = [];
    const ended = balances.filter((b) => periodIsOver(b.scope, today));
    const pastPeriods = ended.filter((b) => b.reserved === 0).map((b) => b.scope);
    this.#periodsLeft = pastPeriods.length < ended.length;
    if (pastPeriods.length > 0) {
      const gone = forget(pastPeriods);
      if (gone.length > 0) this.#bus.publish({ type: "budget.retired", scopes: [...gone], reason: "period over" });
      retired.push(...gone);
    }
    const live = balances.length - retired.length;
    if (live > this.#max && this.#ledger.reloadsSpend === true) {
      const gone = new Set(retired);
      // Least recently used first (the ledger's order); `global` always stays.
      const idle = balances.filter((b) => b.reserved === 0 && b.scope !== "global" && !gone.has(b.scope)).map((b) => b.scope);
      const dropped = forget(idle.slice(0, live - this.#max));
      if (dropped.length > 0) this.#bus.publish({ type: "budget.retired", scopes: [...dropped], reason: "idle" });
      retired.push(...dropped);
    }
    return retired;
  }
}
