// Protects the promise an allow makes: a decision that holds budget is answered only once the
// store says the hold is durable, and a hold the store could not commit becomes a 503 deny
// (IRON_ERR_STORE) with its reservation dropped — never an allow.
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

function governed(holdsDurable: () => Promise<void> | null): { governor: CallGovernor; ledger: MemoryBudgetLedger } {
  const ledger = new MemoryBudgetLedger();
  const plan = new BudgetPlan({ global: [{ micros: 1_000_000, period: "total" }], perAgent: [], perRun: [], perAttribute: {}, timeZone: "UTC" });
  const budget = budgetPolicy({ prices: DEFAULT_PRICES, unknownModel: { action: "deny" }, defaultMaxOutputTokens: 1000, capOutputTokens: true, plan, runOf: () => null });
  const governor = new CallGovernor(
    new PolicyEngine({ builtins: [budget], ledger }),
    new EventBus(),
    ledger,
    () => null,
    null,
    () => null,
    holdsDurable,
  );
  return { governor, ledger };
}

describe("an allow that holds budget", () => {
  it("is answered only once the hold is durable", async () => {
    let commit: () => void = () => undefined;
    const durable = new Promise<void>((resolve) => (commit = resolve));
    const { governor, ledger } = governed(() => durable);
    let answered = false;
    const decision = Promise.resolve(governor.request("bot", wireRequest(1, { body, est_tokens: { input: 8, output: 10 } }))).then((d) => {
      answered = true;
      return d;
    });
    await expect.poll(() => ledger.reserved("global")).toBeGreaterThan(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    commit();
    expect((await decision).action).toBe("allow");
  });

  it("becomes a 503 IRON_ERR_STORE deny, its hold dropped, when the hold cannot be committed", async () => {
    const { governor, ledger } = governed(() => Promise.reject(new IronError("IRON_ERR_STORE", "the disk holding the state file is full")));
    const decision = await governor.request("bot", wireRequest(2, { body, est_tokens: { input: 8, output: 10 } }));
    expect(decision).toMatchObject({ action: "deny", code: "IRON_ERR_STORE", status: 503 });
    expect(ledger.reserved("global")).toBe(0);
  });
});
