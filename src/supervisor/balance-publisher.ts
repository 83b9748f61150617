// budget.update events, published only for the balances that changed: with a budget per user,
// one agent serving thousands of users must not emit thousands of events a call.
import type { EventBus } from "../events/bus.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";

/** Publishes the ledger's balances that changed since it last did. */
export class BalancePublisher {
  readonly #ledger: BudgetLedger;
  readonly #bus: EventBus;
  /** Each scope's balance as last published (limit|spent|reserved). */
  readonly #published = new Map<string, string>();

  constructor(ledger: BudgetLedger, bus: EventBus) {
    this.#ledger = ledger;
    this.#bus = bus;
  }

  /** Sends a budget.update for every scope whose limit, spend or holds moved. */
  publishChanges(): void {
    for (const balance of this.#ledger.balances()) {
      const key = `${balance.limit}|${balance.spent}|${balance.reserved}`;
      if (this.#published.get(balance.scope) === key) continue;
      this.#published.set(balance.scope, key);
      this.#bus.publish({ type: "budget.update", ...balance });
    }
  }
}
