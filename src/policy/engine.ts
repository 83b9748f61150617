// The policy engine: runs the ordered pipeline of pure policies and combines their answers.
import { isIronError } from "../errors.js";
import type { BudgetLedger } from "./budget-ledger.js";
import { DEFAULT_WARN_AT } from "./budget-warnings.js";
import { runRequestPipeline } from "./request-pipeline.js";
import { runResponsePipeline } from "./response-pipeline.js";
import { storeFailureVerdict } from "./store-guard.js";
import { composeStreamFilters, type ChainedFilter } from "./stream-filters.js";
import type { AdmissionBudget, AdmissionPart, LlmCall, LlmResult, Policy, PolicyContext, ResponseHint, StreamFilter } from "./types.js";
import type { Verdict } from "./verdict.js";

export interface PolicyEngineOptions {
  /** Built-in policies in their fixed order (safety → cost → reliability). */
  readonly builtins: readonly Policy[];
  readonly ledger: BudgetLedger;
  readonly clock?: () => number;
  /** How the engine waits when a rate limit asks for a delay (injected for tests). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Budget warning thresholds, as fractions of a limit (default 0.5, 0.8, 0.9). */
  readonly warnAt?: readonly number[];
}

/** What a grant lets a shim admit (SPEC 3.4a): the request hints of every policy, the budget's bound. */
export interface AdmissionTerms {
  readonly requestHints: readonly ResponseHint[];
  readonly budget: AdmissionBudget;
}

/** The set of custom policies, run after the built-ins in the order they were added. */
export interface PolicyRegistry {
  /** Adds a policy; returns a function that removes it again. */
  use(policy: Policy): () => void;
  list(): readonly Policy[];
}

// A decision is returned as it came: directly when every step answered at once (no promise, no
// turn of the microtask queue), as a promise when a policy, a delay or the ledger really waited.
// Either way a store failure becomes the 503 deny and any other error a rejected promise, as
// when the pipelines were async functions.
function settled(decided: Verdict | Promise<Verdict>): Verdict | Promise<Verdict> {
  return decided instanceof Promise ? decided.catch(storeFailureVerdict) : decided;
}

function failed(error: unknown): Verdict | Promise<Verdict> {
  return isIronError(error, "IRON_ERR_STORE") ? storeFailureVerdict(error) : Promise.reject(error);
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Decides about every call: request in pipeline order, response in reverse order. */
export class PolicyEngine implements PolicyRegistry {
  readonly #builtins: readonly Policy[];
  readonly #custom: Policy[] = [];
  readonly #ledger: BudgetLedger;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #warnAt: readonly number[];
  /** Built-ins then custom policies, as every decision runs them (made again when a custom one comes or goes). */
  #all: readonly Policy[] | null = null;
  readonly #listeners: (() => void)[] = [];

  constructor(options: PolicyEngineOptions) {
    this.#builtins = options.builtins;
    this.#ledger = options.ledger;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#warnAt = options.warnAt ?? DEFAULT_WARN_AT;
  }

  use(policy: Policy): () => void {
    if (typeof policy?.name !== "string" || policy.name === "") throw new TypeError("a policy needs a non-empty name");
    this.#custom.push(policy);
    this.#all = null;
    this.#changed();
    return () => {
      const index = this.#custom.indexOf(policy);
      if (index >= 0) this.#custom.splice(index, 1);
      this.#all = null;
      this.#changed();
    };
  }

  /** Hears of every change of the pipeline (a custom policy added or removed): grants end then. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  list(): readonly Policy[] {
    return [...this.#pipeline()];
  }

  // Inputs are frozen for custom policies (one that changes a call in place fails loudly); the
  // built-ins never change what they are given, so a pipeline of built-ins alone skips the walk
  // over every body.
  #pipeline(): readonly Policy[] {
    this.#all ??= [...this.#builtins, ...this.#custom];
    return this.#all;
  }

  #context(): PolicyContext {
    return { now: this.#clock(), budgets: this.#ledger };
  }

  /**
   * Runs every policy's onRequest (safety → cost → reliability → custom); commits budget holds.
   * A store that cannot hold denies (503). The verdict is returned directly when nothing in the
   * decision waited, a promise otherwise.
   */
  decideRequest(call: LlmCall): Verdict | Promise<Verdict> {
    const policies = this.#pipeline();
    const ctx = this.#context();
    try {
      return settled(runRequestPipeline(policies, call, ctx, { ledger: this.#ledger, sleep: this.#sleep, freeze: this.#custom.length > 0 }));
    } catch (error) {
      return failed(error);
    }
  }

  /**
   * Runs every policy's onResponse in reverse order and settles the call's cost. `call` is the
   * call as it went out (the request verdict's `call`), so a rerouted call is judged as such.
   * A store that cannot settle denies the response as it denies requests (503 IRON_ERR_STORE).
   * Returned directly unless a policy answered asynchronously.
   */
  decideResponse(call: LlmCall, result: LlmResult): Verdict | Promise<Verdict> {
    const policies = this.#pipeline();
    const ctx = this.#context();
    try {
      return settled(runResponsePipeline(policies, call, result, ctx, { ledger: this.#ledger, warnAt: this.#warnAt, freeze: this.#custom.length > 0 }));
    } catch (error) {
      return failed(error);
    }
  }

  /** Opens the stream filters of every policy that watches streamed output, chained in pipeline order. */
  openStream(call: LlmCall): ChainedFilter | null {
    const ctx = this.#context();
    const filters: { policy: string; filter: StreamFilter }[] = [];
    for (const policy of this.#pipeline()) {
      const filter = policy.onStreamOpen?.(call, ctx);
      if (filter !== undefined) filters.push({ policy: policy.name, filter });
    }
    return filters.length === 0 ? null : composeStreamFilters(filters);
  }

  /**
   * The terms under which the agent's shim may admit calls like this one itself (SPEC 3.4a): every
   * policy of the pipeline must have said what it may act on, and the budget how to bound a call;
   * null when one cannot (a custom policy, a rate limit, a breaker that is not closed).
   */
  admissionTerms(call: LlmCall): AdmissionTerms | null {
    const ctx = this.#context();
    const hints: ResponseHint[] = [];
    let budget: AdmissionBudget | undefined;
    for (const policy of this.#pipeline()) {
      if (policy.admission === undefined) return null;
      let part: AdmissionPart | null;
      try {
        part = policy.admission(call, ctx);
      } catch {
        return null;
      }
      if (part === null) return null;
      if (part.requestHints !== undefined) hints.push(...part.requestHints);
      if (part.budget !== undefined) budget = part.budget;
    }
    return budget === undefined ? null : { requestHints: hints, budget };
  }

  /** Drops the reservation of a call that will never report back (agent died, stream lost). */
  release(callId: string): void {
    this.#ledger.release(callId);
  }
}
