// Protects the promise an allow makes: a decision that holds budget is answered with its hold
// already taken (the SQLite ledger journals it before reserve answers), and a hold the store could
// not make durable becomes a 503 deny (IRON_ERR_STORE) with nothing reserved — never an allow.
import { beforeAll, describe, expect, it } from "vitest";
import { IronError } from "../../src/errors.js";
import { EventBus } from "../../src/events/bus.js";
import { BudgetPlan } from "../../src/policy/budget-plan.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import { loadTokenizers } from "../../src/policy/tokens.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { CallGovernor } from "../../src/supervisor/call-governor.js";
import { wireRequest } from "../helpers/wire-request.js";

beforeAll(() => loadTokenizers());

const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], max_tokens: 10 };

/** A governor over a budget of $1, whose ledger's `reserve` fails as `failure` says (the journal's write failing, say). */
function governed(failure: IronError | null = null): { governor: CallGovernor; ledger: MemoryBudgetLedger } {
  const ledger = new MemoryBudgetLedger();
  if (failure !== null)
    ledger.reserve = () => {
      throw failure;
    };
  const plan = new BudgetPlan({ global: [{ micros: 1_000_000, period: "total" }], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
  const budget = budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: true, plan, runOf: () => null });
  const governor = new CallGovernor({ engine: new PolicyEngine({ builtins: [budget], ledger }), bus: new EventBus(), ledger });
  return { governor, ledger };
}

describe("an allow that holds budget", () => {
  it("is answered with its hold already in the ledger", async () => {
    const { governor, ledger } = governed();
    const decision = await governor.request("bot", wireRequest(1, { body, est_tokens: { input: 8, output: 10 } }));
    expect(decision.action).toBe("allow");
    expect(ledger.reserved("global")).toBeGreaterThan(0);
  });

  it("becomes a 503 IRON_ERR_STORE deny, nothing held, when the hold cannot be made durable", async () => {
    const { governor, ledger } = governed(new IronError("IRON_ERR_STORE", "the disk holding the state file is full"));
    const decision = await governor.request("bot", wireRequest(2, { body, est_tokens: { input: 8, output: 10 } }));
    expect(decision).toMatchObject({ action: "deny", code: "IRON_ERR_STORE", status: 503 });
    expect(ledger.reserved("global")).toBe(0);
  });
});
