// A custom policy, loaded by iron.yaml (`policies: [./policies/house-rules.ts]`) or with
// `iron run --policy examples/policies/house-rules.ts agent.py`. Policies are pure functions
// of (call, context) → decision; inputs are read-only (frozen): change a copy with editBody.
import { definePolicy, deny, editBody, modify, promptText, type LlmCall } from "iron-runtime";

// Models no agent of ours may use.
const FORBIDDEN = /^(o1-pro|o3-pro|gpt-4\.5)/;
// Requests tagged iron_shim.context(stage="draft") go to the cheap model.
const DRAFT_MODEL = "gpt-4o-mini";
// Keep this much of the global budget (micro-dollars) for the calls that matter.
const RESERVE_MICROS = 2_000;

const isDraft = (call: LlmCall): boolean => call.attrs.stage === "draft" && call.endpoint === "chat.completions";

export default definePolicy({
  name: "house-rules",
  onRequest(call, ctx) {
    if (call.model !== null && FORBIDDEN.test(call.model)) {
      return deny("IRON_ERR_POLICY", `${call.model} is not allowed by the house rules`);
    }
    if (promptText(call).length > 200_000) {
      return deny("IRON_ERR_POLICY", "prompt longer than 200,000 characters", { status: 413 });
    }
    const left = ctx.budgets.remaining("global");
    if (left !== null && left < RESERVE_MICROS && call.attrs.stage !== "final") {
      return deny("IRON_ERR_BUDGET", "the last of the budget is kept for final answers", { status: 402 });
    }
    if (isDraft(call) && call.model !== DRAFT_MODEL) {
      const body = editBody<{ model: string }>(call, (copy) => {
        copy.model = DRAFT_MODEL;
      });
      return modify(body, `draft routed from ${call.model} to ${DRAFT_MODEL}`);
    }
    return undefined;
  },
  onResponse(call, result) {
    // An empty answer that was billed is worth a look: refuse it so the agent retries or fails loudly.
    if (result.status === 200 && !result.stream && result.output.trim() === "" && call.endpoint !== "embeddings") {
      return deny("IRON_ERR_POLICY", "the model returned an empty answer", { status: 502 });
    }
    return undefined;
  },
});
