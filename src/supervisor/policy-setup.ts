// The policy side of a supervisor, built from its options: the built-in policies (limits, budget
// plan, breakers, safety) over the store's ledger, the engine that runs them before the custom
// policies, and what ties them to the bus (fleet limit audits, stopping an exhausted agent).
import type { EventBus } from "../events/bus.js";
import { PolicyEngine } from "../policy/engine.js";
import { storeGuardPolicy } from "../policy/store-guard.js";
import { installSecret } from "../store/install-secret.js";
import type { Store } from "../store/store.js";
import { createBuiltins, stopOnExhaustion, type Builtins } from "./builtin-policies.js";
import { fleetLimitAudit } from "./fleet-audit.js";
import type { ResolvedSupervisorOptions } from "./options.js";

/** What the policies ask of the supervisor's agents. */
export interface PolicyHooks {
  /** The run of a spawned agent, undefined when there is no such agent. */
  readonly runOf: (agentId: string) => number | undefined;
  /** Stops a spawned agent (when the options say an exhausted budget stops it). */
  readonly stop: (agentId: string, reason: string) => void;
}

/** The built-in policies and the engine that runs them with the custom ones. */
export interface PolicySetup {
  readonly builtins: Builtins;
  readonly engine: PolicyEngine;
}

/** Builds the built-in policies and the engine from the options, over the store's ledger and the bus. */
export function setUpPolicies(options: ResolvedSupervisorOptions, store: Store, bus: EventBus, hooks: PolicyHooks): PolicySetup {
  const ledger = store.budgets;
  // With a state file, runs of different supervisors must not share a budget scope: key them by both.
  const runOf = (id: string): number | string | null => {
    const run = hooks.runOf(id);
    if (run === undefined) return null;
    return store.instance === null ? run : `${store.instance}.${run}`;
  };
  const hashKey = options.safety === null ? undefined : installSecret();
  const shared = {
    ...(store.breakerBoard !== undefined && { breakerBoard: store.breakerBoard.bind(store) }),
    ...(store.rateLimiter !== undefined && { rateLimiter: store.rateLimiter.bind(store) }),
  };
  const builtins = createBuiltins(options, { ledger, runOf, publish: (event) => bus.publish(event), ...(hashKey !== undefined && { hashKey }), ...shared });
  // In a fleet, a limit this supervisor's configuration changes for everyone is audited like an operator's.
  store.onLimitChange?.((scope, previous, next) => bus.publish(fleetLimitAudit(scope, previous, next)));
  bus.subscribe(stopOnExhaustion(options.budgets.onExhausted, hooks.stop));
  const engine = new PolicyEngine({ builtins: [storeGuardPolicy(store), ...builtins.policies], ledger, warnAt: options.budgets.warnAt });
  for (const policy of options.policies) engine.use(policy);
  return { builtins, engine };
}
