// The cost policy: prices each call, reserves its worst case, charges its real cost.
import { costOf, worstCaseCost } from "../cost.js";
import { deny } from "../decisions.js";
import { findPrice, type ModelPrice } from "../prices.js";
import type { LlmCall, LlmResult, Policy, Usage } from "../types.js";

export interface BudgetPolicyOptions {
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** What an unpriced model costs: denied, or charged at a fallback price. Never $0 silently. */
  readonly unknownModel: { readonly action: "deny" } | { readonly action: "charge"; readonly price: ModelPrice };
  /** Output tokens assumed for the worst case when a request sets no max tokens. */
  readonly defaultMaxOutputTokens: number;
  /** The budget scopes a call counts against. */
  readonly scopesFor: (call: LlmCall) => readonly string[];
}

// Endpoints that produce no output tokens.
const INPUT_ONLY = new Set(["embeddings"]);

/** Creates the built-in cost policy (named "budget"). */
export function budgetPolicy(options: BudgetPolicyOptions): Policy {
  const priceFor = (model: string | null): ModelPrice | undefined => {
    const known = findPrice(options.prices, model);
    if (known !== undefined) return known;
    return options.unknownModel.action === "charge" ? options.unknownModel.price : undefined;
  };
  return {
    name: "budget",
    onRequest(call) {
      const price = priceFor(call.model);
      if (price === undefined) {
        return deny("IRON_ERR_UNKNOWN_MODEL", `no price is known for model ${JSON.stringify(call.model)}; add it under prices: in iron.yaml`);
      }
      const maxOutput = INPUT_ONLY.has(call.endpoint) ? 0 : (call.estimatedTokens.output ?? options.defaultMaxOutputTokens);
      const micros = worstCaseCost(call.estimatedTokens.input, maxOutput, price);
      return { action: "allow", reserve: { scopes: options.scopesFor(call), micros } };
    },
    onResponse(call, result) {
      const price = priceFor(result.model ?? call.model) ?? priceFor(call.model);
      if (price === undefined) return { action: "allow", charge: 0 };
      const usage = result.usage ?? estimatedUsage(call, result);
      return { action: "allow", charge: usage === null ? 0 : costOf(usage, price) };
    },
  };
}

// Without reported usage, a successful (or cut-short) call is still charged from estimates.
function estimatedUsage(call: LlmCall, result: LlmResult): Usage | null {
  if (result.status >= 400 || (result.status === 0 && result.output === "")) return null;
  return {
    inputTokens: call.estimatedTokens.input,
    outputTokens: Math.ceil(result.output.length / 4),
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  };
}
