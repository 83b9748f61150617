// budget.update events, published only for the balances that changed, and coalesced: the holds and
// settles of every call made within a few milliseconds become one update per scope carrying the
// latest balance (a call used to cost two per scope), and with a budget per user, one agent serving
// thousands of users must not emit thousands of events a call.
import type { EventBus } from "../events/bus.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";
import type { BudgetScopeJanitor } from "./budget-scope-janitor.js";

/** How long balance changes wait to be published together; the last balance always goes out. */
export const BALANCE_COALESCE_MS = 5;

/** Publishes the ledger's balances that changed since it last did, at most once per BALANCE_COALESCE_MS. */
export class BalancePublisher {
  readonly #ledger: BudgetLedger;
  readonly #bus: EventBus;
  /** Each scope's balance as last published (limit|spent|reserved). */
  readonly #published = new Map<string, string>();
  #timer: NodeJS.Timeout | null = null;
  readonly #janitor: BudgetScopeJanitor | null;

  /** `janitor` retires scopes after each flush, so memory and snapshots stay bounded. */
  constructor(ledger: BudgetLedger, bus: EventBus, janitor: BudgetScopeJanitor | null = null) {
    this.#ledger = ledger;
    this.#bus = bus;
    this.#janitor = janitor;
  }

  /** Notes that balances moved: their budget.update goes out shortly, after the decision's reply. */
  publishChanges(): void {
    this.#timer ??= setTimeout(() => this.flush(), BALANCE_COALESCE_MS);
  }

  /** Sends a budget.update now for every scope whose limit, spend or holds moved (the supervisor's close calls it). */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const balances = this.#ledger.balances();
    for (const balance of balances) {
      const key = `${balance.limit}|${balance.spent}|${balance.reserved}`;
      if (this.#published.get(balance.scope) === key) continue;
      this.#published.set(balance.scope, key);
      this.#bus.publish({ type: "budget.update", ...balance });
    }
    for (const scope of this.#janitor?.sweep(balances) ?? []) this.#published.delete(scope);
  }
}
