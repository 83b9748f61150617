// A request whose budget hold the store could not write is denied like any other store failure.
import { isIronError } from "../errors.js";
import { emptyVerdict, type Verdict } from "../policy/verdict.js";

/** The deny verdict for an IRON_ERR_STORE thrown while deciding; any other error is rethrown. */
export function storeFailureVerdict(error: unknown): Verdict {
  if (!isIronError(error, "IRON_ERR_STORE")) throw error;
  return {
    ...emptyVerdict("deny"),
    policy: "store",
    code: "IRON_ERR_STORE",
    reason: `iron cannot record calls, so none is allowed: ${error.message}`,
    status: 503,
  };
}
