// Protects the bound on budget scopes in memory and in snapshots (issue 16, item 9): with a budget
// per user and per day, 10 000 distinct users (a value the agent chooses) and many past days used to
// leave one ledger entry, one published balance and one snapshot row each, forever. Now, over a real
// SQLite state file: periods that are over are retired once nothing is held in them, and beyond
// budgets.max_live_scopes the least recently used idle scopes are retired (`budget.retired`); their
// spend stays in the file and is read back when the scope is used again — so a user who spent their
// budget, was retired, and comes back is still denied, and the global spend is exact.
import Database from "better-sqlite3";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/bus.js";
import { StateProjection } from "../../src/events/projection.js";
import type { IronEvent } from "../../src/events/types.js";
import { BudgetPlan, type LimitSpec } from "../../src/policy/budget-plan.js";
import { PolicyEngine } from "../../src/policy/engine.js";
import { budgetPolicy } from "../../src/policy/policies/budget.js";
import { DEFAULT_PRICES } from "../../src/policy/prices.js";
import { loadTokenizers } from "../../src/policy/tokens.js";
import type { LlmRequestMessage, LlmResponseMessage } from "../../src/protocol/messages.js";
import { MemoryBudgetLedger } from "../../src/store/memory-budget-ledger.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { BudgetLedger } from "../../src/policy/budget-ledger.js";
import { BudgetScopeJanitor } from "../../src/supervisor/budget-scope-janitor.js";
import { CallGovernor } from "../../src/supervisor/call-governor.js";
import { tempDir } from "../helpers/iron.js";
import { wireRequest } from "../helpers/wire-request.js";

beforeAll(() => loadTokenizers());

const DAY = 86_400_000;
const CAP = 200;

function request(id: number, user: string): LlmRequestMessage {
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], max_tokens: 10 };
  return wireRequest(id, { body, est_tokens: { input: 8, output: 10 }, library: "httpx", attrs: { user } });
}

function response(id: number): LlmResponseMessage {
  const usage = { input_tokens: 8, output_tokens: 10, cached_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 0 };
  return {
    v: 1,
    type: "llm.response",
    id: id + 1,
    call: `c-${id}`,
    status: 200,
    usage,
    output: "hi",
    body: null,
    latency_ms: 5,
    stream: false,
    complete: true,
    error: null,
    request_id: null,
    model: "gpt-4o-mini",
  };
}

/** A governor over `ledger` with a per-user budget (total and per day), a clock the test moves, and a projection of its events. */
function rig(ledger: BudgetLedger, sink?: SqliteStore) {
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
  const janitor = new BudgetScopeJanitor(ledger, bus, CAP, "UTC", clock);
  const governor = new CallGovernor(
    engine,
    bus,
    ledger,
    () => null,
    null,
    () => null,
    () => sink?.holdsDurable() ?? null,
    janitor,
  );
  let id = 0;
  const call = async (user: string): Promise<string> => {
    id += 10;
    const decision = await governor.request("bot", request(id, user));
    if (decision.action !== "deny") await governor.response("bot", response(id));
    return decision.action;
  };
  const settle = async (): Promise<void> => {
    governor.flushBalances();
    await new Promise((resolve) => setTimeout(resolve, 10));
    governor.flushBalances();
  };
  const advance = (ms: number): void => {
    now += ms;
  };
  return { call, settle, projection, retired, advance };
}

describe("budget scopes in memory and snapshots", () => {
  it("stay bounded over 10 000 users and 30 past days, with every user's spend still enforced", async () => {
    const path = join(tempDir("iron-scopes-"), "state.db");
    const store = SqliteStore.open(path, { retention: false });
    const r = rig(store.budgets, store);
    // u0 spends its lifetime budget ($0.00003; a few calls fit), the rest of its calls are denied.
    const first: string[] = [];
    for (let i = 0; i < 6; i++) first.push(await r.call("u0"));
    expect(first.filter((a) => a === "deny").length).toBeGreaterThan(0);
    const u0Spent = store.budgets.spent("user:u0");
    expect(u0Spent).toBeGreaterThan(0);
    let peak = 0;
    for (let day = 0; day < 30; day++) {
      for (let u = 1; u <= 10_000 / 30 + 1; u++) await r.call(`u${day}-${u}`);
      await r.settle();
      peak = Math.max(peak, store.budgets.balances().length, r.projection.snapshot().budgets.length);
      r.advance(DAY);
    }
    await r.settle();
    expect(peak).toBeLessThanOrEqual(CAP + 10);
    expect(store.budgets.balances().length).toBeLessThanOrEqual(CAP + 10);
    expect(r.projection.snapshot().budgets.length).toBeLessThanOrEqual(CAP + 10);
    expect(JSON.stringify(r.projection.snapshot()).length).toBeLessThan(100_000);
    expect(r.retired.some((e) => e.type === "budget.retired" && e.reason === "period over")).toBe(true);
    expect(r.retired.some((e) => e.type === "budget.retired" && e.reason === "idle")).toBe(true);
    // u0 was retired long ago: its spend is read back from the file, so it is still out of budget.
    expect(store.budgets.balances().some((b) => b.scope === "user:u0")).toBe(false);
    expect(await r.call("u0")).toBe("deny");
    expect(store.budgets.spent("user:u0")).toBe(u0Spent);
    await r.settle();
    store.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT count(*) AS n, sum(CASE WHEN scope LIKE 'user:%' AND scope NOT LIKE '%@day:%' THEN spent_micros ELSE 0 END) AS users FROM budgets").get() as {
      n: number;
      users: number;
    };
    const global = (db.prepare("SELECT spent_micros FROM budgets WHERE scope = 'global'").get() as { spent_micros: number }).spent_micros;
    db.close();
    expect(rows.n).toBeGreaterThan(10_000);
    expect(global).toBe(rows.users);
  }, 300_000);

  it("retires past days from a memory ledger but never a lifetime scope, whose spend would be lost", async () => {
    const ledger = new MemoryBudgetLedger();
    const r = rig(ledger);
    for (let day = 0; day < 40; day++) {
      await r.call("same-user");
      await r.settle();
      r.advance(DAY);
    }
    await r.settle();
    const scopes = ledger.balances().map((b) => b.scope);
    // Every day is over once the clock moved past it: none is left, the lifetime scope stays.
    expect(scopes.filter((s) => s.includes("@day:"))).toEqual([]);
    expect(scopes).toContain("user:same-user");
    expect(r.projection.snapshot().budgets.filter((b) => b.scope.includes("@day:"))).toEqual([]);
    expect(ledger.spent("user:same-user")).toBe(ledger.spent("global"));
  });
});
