// A fleet's budget limit is changed only by a supervisor whose configuration sets one; each
// change is recorded as a control.action event, like an operator's.
import { hostname } from "node:os";
import type { EventInput } from "../events/types.js";
import { microsToUsd } from "../policy/money.js";

/** The control.action recording that this supervisor set `scope`'s fleet limit from `previous` to `next` (micro-dollars). */
export function fleetLimitAudit(scope: string, previous: number | null, next: number): EventInput {
  return {
    type: "control.action",
    action: "budget.set",
    target: scope,
    params: { limitUsd: microsToUsd(next), previousUsd: previous === null ? null : microsToUsd(previous) },
    outcome: "done",
    code: null,
    error: null,
    source: "config",
    remote: `${hostname()}/${process.pid}`,
  };
}
