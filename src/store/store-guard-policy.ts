// Fail closed on a broken store: once it cannot record, no call is allowed (503 IRON_ERR_STORE).
import { deny } from "../policy/decisions.js";
import type { Policy } from "../policy/types.js";
import type { Store } from "./store.js";

/** The first built-in policy: denies every request while the store is failed. */
export function storeGuardPolicy(store: Pick<Store, "failure">): Policy {
  return {
    name: "store",
    onRequest() {
      const failure = store.failure;
      if (failure === null) return undefined;
      return deny("IRON_ERR_STORE", `iron cannot record calls, so none is allowed: ${failure.message}`, { status: 503 });
    },
  };
}
