// Pure cost arithmetic: worst case before a call, real cost after it, in micro-dollars.
import type { ModelPrice } from "./prices.js";
import type { Usage } from "./types.js";

/**
 * Real cost of a call from its usage. `inputTokens` counts every input token, cached reads
 * and cache writes included (protocol/SPEC.md), so the uncached part is what remains.
 * Prices per million tokens are micro-dollars per token; the total rounds up.
 */
export function costOf(usage: Usage, base: ModelPrice): number {
  const price = rates(base, usage.inputTokens);
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const written = Math.min(usage.cacheCreationInputTokens, usage.inputTokens - cached);
  const uncached = usage.inputTokens - cached - written;
  const micros = uncached * price.input + cached * (price.cachedInput ?? price.input) + written * (price.cacheWrite ?? price.input) + usage.outputTokens * price.output;
  return Math.ceil(micros - 1e-9);
}

/** Worst-case cost before the call: every estimated input token uncached, every allowed output token used. */
export function worstCaseCost(inputTokens: number, maxOutputTokens: number, base: ModelPrice): number {
  const price = rates(base, inputTokens);
  return Math.ceil(inputTokens * price.input + maxOutputTokens * price.output - 1e-9);
}

/** The rates that apply to a request with this many input tokens (long-context rates above the threshold). */
export function rates(price: ModelPrice, inputTokens: number): ModelPrice {
  const long = price.longContext;
  return long !== undefined && inputTokens > long.aboveInputTokens ? long : price;
}
