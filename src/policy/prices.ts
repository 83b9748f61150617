// The dated list-price table (USD per million tokens) and model-id normalisation.

/** Prices of one model in USD per million tokens (which is also micro-dollars per token). */
export interface ModelPrice {
  readonly input: number;
  /** Cached (read) input tokens; defaults to `input` when a provider has no discount. */
  readonly cachedInput?: number;
  /** Anthropic cache writes (5-minute TTL). */
  readonly cacheWrite?: number;
  readonly output: number;
  /** Higher rates for every token of a request whose prompt exceeds `aboveInputTokens`. */
  readonly longContext?: Omit<ModelPrice, "longContext"> & { readonly aboveInputTokens: number };
}

/**
 * The date the built-in table was checked against the providers' pricing pages
 * (OpenAI: platform.openai.com/docs/pricing; Anthropic: platform.claude.com/docs/en/about-claude/pricing).
 */
export const PRICES_AS_OF = "2026-11-28";

/** Where each provider's rows come from, and when they were checked (one entry per provider in the table). */
export const PRICE_SOURCES: Readonly<Record<string, { readonly source: string; readonly checked: string }>> = Object.freeze({
  openai: { source: "https://platform.openai.com/docs/pricing", checked: PRICES_AS_OF },
  anthropic: { source: "https://platform.claude.com/docs/en/about-claude/pricing", checked: PRICES_AS_OF },
  // The Gemini page itself was out of reach offline: its rows are as published summaries quoted it in March 2026.
  gemini: { source: "https://ai.google.dev/gemini-api/docs/pricing (paid tier, text input)", checked: "2026-03" },
  // AWS's page is stored offline only in part (its model tables were not readable here): the Nova and Llama
  // rows were checked against AWS's own copy of it (see BEDROCK_ROW_SOURCES, per row). Bedrock's Claude ids
  // price as Anthropic's own rows (AWS lists the same on-demand rates).
  bedrock: { source: "https://aws.amazon.com/bedrock/pricing/ (on-demand, us-east-1)", checked: "2026-12-07" },
});

// AWS's own copy of the Bedrock pricing page's rates: aws/agent-toolkit-for-aws, the us-east-1 Bedrock
// table in plugins/aws-startup-advisor/skills/gcp-to-aws/references/shared/pricing-cache.md (refreshed
// 2026-09-03 from aws.amazon.com/bedrock/pricing) and STATIC_FALLBACK in .../llm-to-bedrock/scripts/
// bedrock_pricing.py (Nova rows re-verified 2026-10-05 against the page).
const AWS_TOOLKIT = "aws.amazon.com/bedrock/pricing as AWS's agent-toolkit-for-aws pricing cache lists it (us-east-1, 2026-09-03)";
const NOT_LISTED = "not in AWS's current table (an older model): kept at the last published rate, the higher of the candidates";

/** Where each Bedrock-only row's input and output rates come from, and when that was checked. */
export const BEDROCK_ROW_SOURCES: Readonly<Record<string, { readonly source: string; readonly checked: string }>> = Object.freeze({
  // The cached-input rates of the Nova rows (a quarter of input) are not in that table: unverified.
  "nova-micro": { source: AWS_TOOLKIT, checked: "2026-12-07" },
  "nova-lite": { source: AWS_TOOLKIT, checked: "2026-12-07" },
  "nova-pro": { source: AWS_TOOLKIT, checked: "2026-12-07" },
  "llama3-3-70b-instruct": { source: AWS_TOOLKIT, checked: "2026-12-07" },
  "llama4-maverick-17b-instruct": { source: AWS_TOOLKIT, checked: "2026-12-07" },
  "llama4-scout-17b-instruct": { source: AWS_TOOLKIT, checked: "2026-12-07" },
  "llama3-1-8b-instruct": { source: NOT_LISTED, checked: "2025-06 (not re-verifiable offline)" },
  "llama3-1-70b-instruct": { source: `${NOT_LISTED} (equal to Llama 3.3 70B's)`, checked: "2025-06 (not re-verifiable offline)" },
});

const GEMINI_25_PRO_LONG = { aboveInputTokens: 200_000, input: 2.5, cachedInput: 0.25, output: 15 };
const GEMINI_3_PRO_LONG = { aboveInputTokens: 200_000, input: 4, cachedInput: 0.4, output: 18 };
const SONNET_4_LONG = { aboveInputTokens: 200_000, input: 6, cachedInput: 0.6, cacheWrite: 7.5, output: 22.5 };

/** Published list prices; override or extend with `prices:` in iron.yaml. */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  // OpenAI
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4o-2024-05-13": { input: 5, output: 15 },
  "chatgpt-4o-latest": { input: 5, output: 15 },
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gpt-4.5-preview": { input: 75, cachedInput: 37.5, output: 150 },
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5.1": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cachedInput: 0.005, output: 0.4 },
  "gpt-5-pro": { input: 15, output: 120 },
  o1: { input: 15, cachedInput: 7.5, output: 60 },
  "o1-mini": { input: 1.1, cachedInput: 0.55, output: 4.4 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  "o3-mini": { input: 1.1, cachedInput: 0.55, output: 4.4 },
  "o4-mini": { input: 1.1, cachedInput: 0.275, output: 4.4 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-4": { input: 30, output: 60 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  "gpt-3.5-turbo-instruct": { input: 1.5, output: 2 },
  "text-embedding-3-small": { input: 0.02, output: 0 },
  "text-embedding-3-large": { input: 0.13, output: 0 },
  "text-embedding-ada-002": { input: 0.1, output: 0 },
  // Anthropic (cache writes at the 5-minute rate)
  "claude-opus-4-7": { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  "claude-opus-4-6": { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  "claude-opus-4-5": { input: 5, cachedInput: 0.5, cacheWrite: 6.25, output: 25 },
  "claude-opus-4-1": { input: 15, cachedInput: 1.5, cacheWrite: 18.75, output: 75 },
  "claude-opus-4": { input: 15, cachedInput: 1.5, cacheWrite: 18.75, output: 75 },
  "claude-opus-4-0": { input: 15, cachedInput: 1.5, cacheWrite: 18.75, output: 75 },
  "claude-sonnet-4-6": { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  "claude-sonnet-4-5": { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, longContext: SONNET_4_LONG },
  "claude-sonnet-4": { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, longContext: SONNET_4_LONG },
  "claude-sonnet-4-0": { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15, longContext: SONNET_4_LONG },
  "claude-3-7-sonnet": { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  "claude-3-5-sonnet": { input: 3, cachedInput: 0.3, cacheWrite: 3.75, output: 15 },
  "claude-haiku-4-5": { input: 1, cachedInput: 0.1, cacheWrite: 1.25, output: 5 },
  "claude-3-5-haiku": { input: 0.8, cachedInput: 0.08, cacheWrite: 1, output: 4 },
  "claude-3-opus": { input: 15, cachedInput: 1.5, cacheWrite: 18.75, output: 75 },
  "claude-3-haiku": { input: 0.25, cachedInput: 0.03, cacheWrite: 0.3, output: 1.25 },
  // AWS Bedrock's own models (Claude on Bedrock: the Anthropic rows, through normalizeModel); sources per row
  // in BEDROCK_ROW_SOURCES
  "nova-micro": { input: 0.035, cachedInput: 0.00875, output: 0.14 },
  "nova-lite": { input: 0.06, cachedInput: 0.015, output: 0.24 },
  "nova-pro": { input: 0.8, cachedInput: 0.2, output: 3.2 },
  "llama3-1-8b-instruct": { input: 0.22, output: 0.22 },
  "llama3-1-70b-instruct": { input: 0.72, output: 0.72 },
  "llama3-3-70b-instruct": { input: 0.72, output: 0.72 },
  "llama4-maverick-17b-instruct": { input: 0.24, output: 0.97 },
  "llama4-scout-17b-instruct": { input: 0.17, output: 0.66 },
  // Google Gemini (output includes thinking tokens; cachedInput is the context-cache read rate)
  "gemini-3-pro-preview": { input: 2, cachedInput: 0.2, output: 12, longContext: GEMINI_3_PRO_LONG },
  "gemini-2.5-pro": { input: 1.25, cachedInput: 0.125, output: 10, longContext: GEMINI_25_PRO_LONG },
  "gemini-2.5-flash": { input: 0.3, cachedInput: 0.03, output: 2.5 },
  "gemini-2.5-flash-lite": { input: 0.1, cachedInput: 0.01, output: 0.4 },
  "gemini-2.0-flash": { input: 0.1, cachedInput: 0.025, output: 0.4 },
  "gemini-2.0-flash-lite": { input: 0.075, output: 0.3 },
});

// Dated ids map to their family: gpt-4o-2024-08-06, claude-3-5-sonnet-20241022, *-latest,
// and Gemini's stable versions (gemini-2.0-flash-001). Exact ids are looked up first.
const DATE_SUFFIX = /-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3}|latest)$/;

// Bedrock model ids: a cross-region inference prefix (us., eu., apac., global.), the vendor, then a version:
// us.anthropic.claude-sonnet-4-20250514-v1:0, meta.llama3-1-70b-instruct-v1:0, amazon.nova-pro-v1:0.
const BEDROCK_ID = /^(?:(?:us|eu|apac|global|us-gov|ca|jp|au)\.)?(?:anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer)\.(.+?)(?:-v\d+(?::\d+)?)?(?::\d+k?)?$/;

/** The family id a dated, aliased or Bedrock model id prices as. */
export function normalizeModel(model: string): string {
  const id = model.trim().toLowerCase();
  return (BEDROCK_ID.exec(id)?.[1] ?? id).replace(DATE_SUFFIX, "");
}

/** Looks a model up: exact id first, then its family; undefined when unknown. */
export function findPrice(prices: Readonly<Record<string, ModelPrice>>, model: string | null): ModelPrice | undefined {
  if (model === null) return undefined;
  return prices[model] ?? prices[normalizeModel(model)];
}
