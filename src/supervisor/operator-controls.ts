// What an operator can do to a running supervisor — stop, start and restart an agent, set a
// budget's limit, reset a circuit breaker — checked against the current state, for the
// dashboard's actions and the TypeScript API alike. Refusals are IronErrors with a stable code.
import { IronError } from "../errors.js";
import type { EventInput, IronEvent } from "../events/types.js";
import type { BreakerBoard } from "../policy/breaker/board.js";
import type { BudgetLimits } from "../policy/budget-limits.js";
import { usdToMicros } from "../policy/money.js";
import { balanceOf, type BudgetLedger, type BudgetSelector, type ResetScope } from "../policy/budget-ledger.js";
import type { ControlTarget } from "../stream/control-actions.js";
import type { Agent } from "./agent.js";
import type { JoinedAgent } from "./joined-agent.js";

export interface OperatorDeps {
  readonly agents: ReadonlyMap<string, Agent>;
  readonly joined: ReadonlyMap<string, JoinedAgent>;
  readonly limits: BudgetLimits;
  readonly ledger: BudgetLedger;
  readonly breakers: () => BreakerBoard | null;
  readonly publish: (event: EventInput) => IronEvent;
  readonly closing: () => boolean;
}

/** Budget scope names: `global`, `agent:<id>`, `run:<id>#<n>`, `<attribute>:<value>`, with an optional `@day:`/`@month:` period. */
const SCOPE = /^(global|[A-Za-z0-9_.-]+:[^\s@]+)(@(day:\d{4}-\d{2}-\d{2}|month:\d{4}-\d{2}))?$/;

/** Carries out operator actions on a supervisor's agents, budgets and breakers. */
export class OperatorControls implements ControlTarget {
  readonly #deps: OperatorDeps;

  constructor(deps: OperatorDeps) {
    this.#deps = deps;
  }

  // The spawned agent `agentId`; joined agents run elsewhere, so iron cannot start or stop them.
  #agent(agentId: string, what: string): Agent {
    if (this.#deps.closing()) throw new IronError("IRON_ERR_STATE", `cannot ${what} agent ${JSON.stringify(agentId)}: the supervisor is closing`);
    const agent = this.#deps.agents.get(agentId);
    if (agent !== undefined) return agent;
    if (this.#deps.joined.has(agentId)) {
      throw new IronError("IRON_ERR_STATE", `cannot ${what} agent ${JSON.stringify(agentId)}: it joined from a process iron did not start; ${what} it where it runs`, {
        expected: "an agent iron started",
        got: "a joined agent",
      });
    }
    const known = [...this.#deps.agents.keys(), ...this.#deps.joined.keys()];
    throw new IronError("IRON_ERR_NOT_FOUND", `no agent ${JSON.stringify(agentId)}`, { expected: known.length === 0 ? "an agent id (none is running)" : `one of ${known.join(", ")}`, got: agentId });
  }

  stopAgent(agentId: string, reason: string): void {
    const agent = this.#agent(agentId, "stop");
    if (agent.ended || agent.state === "stopping") {
      throw new IronError("IRON_ERR_STATE", `cannot stop agent ${JSON.stringify(agentId)}`, { expected: "an agent that is starting, running, hung or in backoff", got: agent.state });
    }
    void agent.stop({ reason });
  }

  startAgent(agentId: string, reason: string): void {
    // The answer is that it was asked: a spawn that fails shows as the agent's own state events.
    this.#agent(agentId, "start")
      .start({ reason })
      .catch(() => undefined);
  }

  restartAgent(agentId: string, reason: string): void {
    this.#agent(agentId, "restart")
      .restart({ reason })
      .catch(() => undefined);
  }

  setBudgetLimit(scope: string, limitUsd: number | null): void {
    if (!SCOPE.test(scope)) {
      throw new IronError("IRON_ERR_USAGE", "invalid budget scope", {
        expected: "global, agent:<id>, run:<id>#<n> or <attribute>:<value>, optionally with @day:YYYY-MM-DD or @month:YYYY-MM",
        got: scope,
      });
    }
    if (limitUsd !== null && !(Number.isFinite(limitUsd) && limitUsd >= 0)) {
      throw new IronError("IRON_ERR_USAGE", "invalid budget limit", { expected: "a number of USD >= 0, or null", got: limitUsd });
    }
    this.setBudgetMicros(scope, limitUsd === null ? null : usdToMicros(limitUsd));
  }

  /** Sets a scope's limit over the configured one (null removes it) and publishes its `budget.update`. */
  setBudgetMicros(scope: string, micros: number | null): void {
    this.#deps.limits.setScope(scope, micros);
    this.#deps.publish({ type: "budget.update", ...balanceOf(this.#deps.ledger, scope) });
  }

  /**
   * Sets the recorded spend of the selected scopes back to zero and publishes each one's
   * `budget.update`. In a fleet the reset is the fleet's (as `iron budget reset --state
   * postgres://…`): every supervisor reads the spend back, and this one has when it resolves.
   */
  async resetBudgets(selector: BudgetSelector): Promise<readonly ResetScope[]> {
    this.#checkReset(selector);
    const ledger = this.#deps.ledger;
    if (ledger.resetSpent !== undefined) return this.resetBudgetsNow(selector);
    if (ledger.resetSharedSpent === undefined) throw new IronError("IRON_ERR_STATE", "cannot reset budgets: this supervisor's budget ledger cannot reset spend");
    const reset = await ledger.resetSharedSpent(selector);
    this.#publishReset(reset);
    return reset;
  }

  /** The same, synchronously, where this supervisor keeps the spend (a state file or memory); IRON_ERR_STATE in a fleet. */
  resetBudgetsNow(selector: BudgetSelector): readonly ResetScope[] {
    this.#checkReset(selector);
    const ledger = this.#deps.ledger;
    if (ledger.resetSpent === undefined) {
      throw new IronError(
        "IRON_ERR_STATE",
        "cannot reset a fleet's budgets synchronously: they live in its database; use await sup.resetBudgets(selector), the dashboard, or iron budget reset --state postgres://…",
      );
    }
    const reset = ledger.resetSpent(selector);
    this.#publishReset(reset);
    return reset;
  }

  #checkReset(selector: BudgetSelector): void {
    if (this.#deps.closing()) throw new IronError("IRON_ERR_STATE", "cannot reset budgets: the supervisor is closing");
    if ("scopes" in selector) {
      const bad = selector.scopes.find((scope) => !SCOPE.test(scope));
      if (bad !== undefined) throw new IronError("IRON_ERR_USAGE", "invalid budget scope", { expected: "global, agent:<id>, run:<id>#<n> or <attribute>:<value>", got: bad });
    }
  }

  #publishReset(reset: readonly ResetScope[]): void {
    for (const { scope } of reset) this.#deps.publish({ type: "budget.update", ...balanceOf(this.#deps.ledger, scope) });
  }

  /** The ledger as `sup.budgets` shows it: reads and holds as they are, `setLimit` as an operator's limit. */
  budgetsView(): BudgetLedger {
    const ledger = this.#deps.ledger;
    return {
      setLimit: (scope, micros) => this.setBudgetMicros(scope, micros),
      reserve: (callId, scopes, micros) => ledger.reserve(callId, scopes, micros),
      settle: (callId, micros) => ledger.settle(callId, micros),
      release: (callId) => ledger.release(callId),
      balances: () => ledger.balances(),
      remaining: (scope) => ledger.remaining(scope),
      reserved: (scope) => ledger.reserved(scope),
      spent: (scope) => ledger.spent(scope),
      limit: (scope) => ledger.limit(scope),
      resetSpent: (selector) => this.resetBudgetsNow(selector),
    };
  }

  resetBreaker(provider: string, model: string, reason: string): void {
    const board = this.#deps.breakers();
    if (board === null) throw new IronError("IRON_ERR_STATE", "cannot reset a breaker: circuit breakers are off (reliability.breakers)");
    const state = board.list().find((b) => b.provider === provider && b.model === model)?.state;
    if (state === undefined) {
      throw new IronError("IRON_ERR_NOT_FOUND", `no circuit breaker for ${provider}/${model}`, { expected: "a provider/model that has had calls", got: `${provider}/${model}` });
    }
    if (state === "closed") throw new IronError("IRON_ERR_STATE", `the circuit breaker for ${provider}/${model} is closed already`, { expected: "an open or half-open breaker", got: state });
    board.reset(provider, model, reason);
  }
}
