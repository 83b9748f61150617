// Fail closed on a broken store, in one place: once the store cannot record, every call is
// denied (503 IRON_ERR_STORE), whether the guard sees the failure first or a budget write does.
import { isIronError } from "../errors.js";
import { deny } from "./decisions.js";
import type { Policy } from "./types.js";
import { emptyVerdict, type Verdict } from "./verdict.js";

/** What the guard needs of a store: whether it has failed (the store implements it). */
export interface StoreHealth {
  readonly failure: { readonly message: string } | null;
}

const NOTHING = Object.freeze({});

// One wording for both ways a store failure is met.
function refusal(message: string): string {
  return `iron cannot record calls, so none is allowed: ${message}`;
}

/** The first built-in policy: denies every request while the store is failed. */
export function storeGuardPolicy(store: StoreHealth): Policy {
  return {
    name: "store",
    onRequest() {
      const failure = store.failure;
      if (failure === null) return undefined;
      return deny("IRON_ERR_STORE", refusal(failure.message), { status: 503 });
    },
    // A grant (SPEC 3.4a) only while the store records; its failure ends every grant.
    admission: () => (store.failure === null ? NOTHING : null),
  };
}

/** The deny verdict for an IRON_ERR_STORE thrown while deciding; any other error is rethrown. */
export function storeFailureVerdict(error: unknown): Verdict {
  if (!isIronError(error, "IRON_ERR_STORE")) throw error;
  return { ...emptyVerdict("deny"), policy: "store", code: "IRON_ERR_STORE", reason: refusal(error.message), status: 503 };
}
