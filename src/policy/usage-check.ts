// Usage comes from the agent's shim, so it is checked before it is charged: a negative count
// would lower the spend, and an absurd one would exhaust every budget at once.
import type { Usage } from "./types.js";

/** More tokens than any model takes or gives in one call: a count above is not believed. */
export const MAX_REPORTED_TOKENS = 10_000_000;

const FIELDS: ReadonlyArray<readonly [keyof Usage, string]> = [
  ["inputTokens", "input_tokens"],
  ["outputTokens", "output_tokens"],
  ["cachedInputTokens", "cached_input_tokens"],
  ["cacheCreationInputTokens", "cache_creation_input_tokens"],
  ["reasoningTokens", "reasoning_tokens"],
];

/** Why reported usage cannot be charged as it is (naming the field, expected and got), or null when it can. */
export function usageProblem(usage: Usage | null): string | null {
  if (usage === null) return null;
  for (const [key, wire] of FIELDS) {
    const value = usage[key];
    if (!Number.isInteger(value) || value < 0 || value > MAX_REPORTED_TOKENS) {
      return `${wire}: expected an integer from 0 to ${MAX_REPORTED_TOKENS}, got ${value}`;
    }
  }
  return null;
}
