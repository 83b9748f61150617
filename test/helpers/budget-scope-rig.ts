// A governor over a budget ledger with a per-user budget (a lifetime total and a daily one), a
// clock the test moves, a scope janitor and a projection of its events: the rig of the budget
// scope bound tests (issue 16, item 9), over a state file or a fleet's database.
import { EventBus } from "../../src/events/bus.js";
import { StateProjection } from "../../src/events/projection.js";
import type { IronEvent } from "../../src/events/types.js";
import type { BudgetLedger } from "../../src/policy/budget-ledger.js";
import { BudgetPlan, type LimitSpec } from "../../src/policy/budget-plan.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import type { LlmRequestMessage, LlmResponseMessage } from "../../src/protocol/messages.js";
import type { Store } from "../../src/store/store.js";
import { BudgetScopeJanitor } from "../../src/supervisor/budget-scope-janitor.js";
import { CallGovernor } from "../../src/supervisor/call-governor.js";
import { wireRequest, wireResponse } from "./wire-request.js";

function request(id: number, user: string): LlmRequestMessage {
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], max_tokens: 10 };
  return wireRequest(id, { body, est_tokens: { input: 8, output: 10 }, library: "httpx", attrs: { user } });
}

function response(id: number): LlmResponseMessage {
  return wireResponse(id);
}

/** A governor over `ledger` with a per-user budget (total and per day), a clock the test moves, and a projection of its events. */
export function scopeRig(ledger: BudgetLedger, cap: number, sink?: Pick<Store, "sink" | "scrubber">) {
  let now = Date.UTC(2026, 0, 1, 12);
  const clock = (): number => now;
  const perUser: LimitSpec[] = [
    { micros: 30, period: "total" },
    { micros: 1_000_000, period: "day" },
  ];
  const plan = new BudgetPlan({ global: [{ micros: 10_000_000, period: "total" }], perAgent: [], perRun: [], perAttribute: { user: perUser }, timeZone: "UTC" });
  const budget = budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: true, plan, runOf: () => null });
  const engine = new PolicyEngine({ builtins: [budget], ledger, clock });
  const bus = sink === undefined ? new EventBus(undefined, clock) : new EventBus(sink.sink, clock, sink.scrubber);
  const projection = new StateProjection();
  const retired: IronEvent[] = [];
  bus.subscribe((event) => {
    projection.apply(event);
    if (event.type === "budget.retired") retired.push(event);
  });
  const janitor = new BudgetScopeJanitor(ledger, bus, cap, "UTC", clock);
  const governor = new CallGovernor({ engine, bus, ledger, janitor });
  let id = 0;
  const call = async (user: string): Promise<string> => {
    id += 10;
    const decision = await governor.request("bot", request(id, user));
    if (decision.action !== "deny") await governor.response("bot", response(id));
    return decision.action;
  };
  // Balances published and swept twice: a scope whose settle was still waiting for its batch at the
  // first sweep (calls made back to back in one turn, as here) is retired at the second, and the
  // retirements reach listeners once their own batch is committed (the store's batches are
  // committed on a worker thread: the sink's flush waits for them).
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 2; round++) {
      governor.flushBalances();
      sink?.sink.flush();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    governor.flushBalances();
  };
  const advance = (ms: number): void => {
    now += ms;
  };
  return { call, settle, projection, retired, advance };
}
