// What a supervisor tells once it is up: that it started, what earlier runs spent, which
// leftovers of a supervisor that died it reaped, and (from then on) that its state store failed.
import type { EventBus } from "../events/bus.js";
import type { ReapedRun } from "../lifecycle/reaper.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../telemetry/logger.js";
import { VERSION } from "../version.js";

/** Publishes (and logs) the start of a supervisor listening on `endpoint`. */
export function announceStart(bus: EventBus, store: Store, logger: Logger, endpoint: string, reaped: readonly ReapedRun[]): void {
  store.onFailure((error) => {
    logger.error({ code: error.code, err: error.message }, "the state store failed: every call is denied from now on");
    bus.publish({ type: "store.error", code: error.code, error: error.message, lastCommittedSeq: store.lastCommitted() });
  });
  bus.publish({ type: "supervisor.started", version: VERSION, pid: process.pid, endpoint });
  // Budgets persist in the state file: show what earlier runs spent from the first snapshot on.
  for (const balance of store.budgets.balances()) if (balance.spent > 0 || balance.reserved > 0) bus.publish({ type: "budget.update", ...balance });
  for (const { record, processes } of reaped) {
    if (processes === 0) continue;
    const { agentId, run, pid, pgid, supervisorPid } = record;
    logger.warn({ agentId, run, pid, supervisorPid, processes }, "reaped processes a supervisor that died had left running");
    bus.publish({ type: "agent.reaped", agentId, run, pid, pgid, supervisorPid, processes });
  }
}
