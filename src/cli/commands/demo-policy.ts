// The custom policy `iron demo` installs: short gpt-4o requests are routed to gpt-4o-mini.
import { modify } from "../../policy/decisions.js";
import type { Policy } from "../../policy/types.js";

/** Routes small gpt-4o requests (max_tokens ≤ 200) to the cheaper gpt-4o-mini. */
export const modelRouterPolicy: Policy = {
  name: "model-router",
  onRequest(call) {
    const body = call.body as { max_tokens?: number } | null;
    if (call.model !== "gpt-4o" || typeof body?.max_tokens !== "number" || body.max_tokens > 200) return undefined;
    return modify({ ...body, model: "gpt-4o-mini" }, "routed a short gpt-4o request to gpt-4o-mini");
  },
};
