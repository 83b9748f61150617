// The cost policy: prices each call, reserves its worst case in every scope it counts
// against, caps output that would otherwise be unbounded, and charges the real cost after.
import type { BudgetPlan } from "../budget-plan.js";
import { costOf, worstCaseCost } from "../cost.js";
import { deny } from "../decisions.js";
import { findPrice, type ModelPrice } from "../prices.js";
import type { DeploymentResolver } from "../azure-deployments.js";
import { countTextTokens, estimateInputTokens, tokenizersReady, tokenizersWithin } from "../tokens.js";
import type { AdmissionBudget, AdmissionPart, LlmCall, LlmResult, Modify, Policy, PolicyContext, RequestDecision, Reservation, Usage } from "../types.js";
import { usageProblem } from "../usage-check.js";

export interface BudgetPolicyOptions {
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** What an unpriced model costs: denied, or charged at a fallback price. Never $0 silently. */
  readonly unknownModel: { readonly action: "deny" } | { readonly action: "charge"; readonly price: ModelPrice };
  /** Output tokens assumed for the worst case when a request sets no max tokens. */
  readonly defaultMaxOutputTokens: number;
  /** Add that cap to a request without one when a budget applies, so the reservation is a true worst case. */
  readonly capOutputTokens: boolean;
  /** The budget scopes a call counts against. */
  readonly plan: BudgetPlan;
  /** The run number of a spawned agent (null for agents that joined). */
  readonly runOf: (agentId: string) => number | string | null;
  /** The model an Azure deployment's call is priced at (azure_deployments:); absent: the model asked for. */
  readonly deploymentModel?: DeploymentResolver;
}

/** What a model served from this machine (Ollama, vLLM, LM Studio on loopback) costs unless prices: names it. */
export const LOCAL_PRICE: ModelPrice = Object.freeze({ input: 0, output: 0 });

// Endpoints that produce no output tokens.
const INPUT_ONLY = new Set(["embeddings"]);
const CAP_KEYS = ["max_tokens", "max_completion_tokens", "max_output_tokens"] as const;
/**
 * Input tokens per byte of a JSON request body, at most, as estimateInputTokens counts them: an exact
 * count takes at least a byte a token, the conservative one two, a model of another family adds a
 * quarter; the body's keys, quotes and brackets outweigh the per-message and per-reply tokens.
 */
export const INPUT_PER_BYTE = 1.25;

/** Creates the built-in cost policy (named "budget"). */
export function budgetPolicy(options: BudgetPolicyOptions): Policy {
  const priceFor = (asked: string | null, url: string): ModelPrice | undefined => {
    const model = options.deploymentModel === undefined ? asked : options.deploymentModel(asked, url);
    const known = findPrice(options.prices, model);
    if (known !== undefined) return known;
    if (isLoopback(url)) return LOCAL_PRICE;
    return options.unknownModel.action === "charge" ? options.unknownModel.price : undefined;
  };
  const decide = (call: LlmCall, ctx: PolicyContext): RequestDecision => {
    const price = priceFor(call.model, call.url);
    if (price === undefined) {
      return deny("IRON_ERR_UNKNOWN_MODEL", `no price is known for model ${JSON.stringify(call.model)}; add it under prices: in iron.yaml`);
    }
    const planned = options.plan.scopesFor(call, options.runOf(call.agentId), ctx.now);
    const { scopes, limits } = planned;
    const limited = planned.limited || scopes.some((s) => ctx.budgets.limit(s) !== null);
    const input = estimateInputTokens(call);
    const requested = INPUT_ONLY.has(call.endpoint) ? 0 : requestedCap(call);
    const maxOutput = INPUT_ONLY.has(call.endpoint) ? 0 : (requested ?? options.defaultMaxOutputTokens);
    const reserve = { scopes, limits, micros: worstCaseCost(input, maxOutput, price) };
    const reason = `reserved the worst case: ${input} input + ${maxOutput} output tokens`;
    if (requested === null && maxOutput > 0 && limited && options.capOutputTokens) {
      const body = withCap(call, maxOutput);
      if (body !== null) return { action: "modify", body, reserve, reason: `capped output at ${maxOutput} tokens so the budget reservation is a true worst case` } satisfies Modify;
    }
    return { action: "allow", reserve, reason };
  };
  // Until a model's encoding has loaded (the first calls of a run), the prompt is counted on the
  // conservative estimate, which is never below the exact count: a call whose worst case then
  // fits every scope twice over goes at once, and only a call near a limit waits (at most a
  // second; a loaded machine falls back to the conservative estimate) to be counted exactly.
  const priced = (call: LlmCall, ctx: PolicyContext): RequestDecision | Promise<RequestDecision> => {
    if (tokenizersReady(call.model)) return decide(call, ctx);
    const early = decide(call, ctx);
    if (early.action === "deny" || early.reserve === undefined || roomFor(early.reserve, ctx, 2)) return early;
    return tokenizersWithin(1000, call.model).then(() => decide(call, ctx));
  };
  // A grant's budget terms (SPEC 3.4a): the dearest rates of the model, the scopes of this call.
  const admission = (call: LlmCall, ctx: PolicyContext): AdmissionPart | null => {
    const price = priceFor(call.model, call.url);
    if (price === undefined) return null;
    const planned = options.plan.scopesFor(call, options.runOf(call.agentId), ctx.now);
    const limited = planned.limited || planned.scopes.some((s) => ctx.budgets.limit(s) !== null);
    const long = price.longContext;
    const budget: AdmissionBudget = {
      scopes: planned.scopes,
      ...(planned.limits !== undefined && { limits: planned.limits }),
      inFactor: INPUT_PER_BYTE,
      inMicros: Math.max(price.input, long?.input ?? 0),
      outMicros: Math.max(price.output, long?.output ?? 0),
      outDefault: limited && options.capOutputTokens ? null : options.defaultMaxOutputTokens,
    };
    return { budget };
  };
  return {
    name: "budget",
    admission,
    // The first call may wait for its encoding to load (about half a second, at most one).
    timeoutMs: 2000,
    onRequest: priced,
    reprice: priced,
    // The agent's shim reports usage and model: price at the dearer of the model asked for and
    // the one reported, and charge the worst case when the reported usage cannot be believed.
    // Settles the charge; never redacts or denies a response.
    actsOnResponse: () => false,
    onResponse(call, result) {
      const prices = [priceFor(call.model, call.url), result.model === null ? undefined : priceFor(result.model, call.url)].filter((p): p is ModelPrice => p !== undefined);
      if (prices.length === 0) return { action: "allow", charge: 0 };
      const usage = usageProblem(result.usage) === null ? (result.usage ?? estimatedUsage(call, result)) : worstCaseUsage(call, options.defaultMaxOutputTokens);
      return { action: "allow", charge: usage === null ? 0 : Math.max(...prices.map((price) => costOf(usage, price))) };
    },
  };
}

/** The output cap the request itself sets, or null when it sets none. */
export function requestedCap(call: LlmCall): number | null {
  const body = call.body as Record<string, unknown> | null;
  if (typeof body !== "object" || body === null) return call.estimatedTokens.output;
  for (const key of CAP_KEYS) if (typeof body[key] === "number" && Number.isInteger(body[key])) return body[key] as number;
  const gemini = geminiConfig(body).maxOutputTokens ?? nested(body, "options").num_predict;
  return typeof gemini === "number" && Number.isInteger(gemini) && gemini >= 0 ? gemini : null;
}

// body[key] when it is an object (Ollama's options), {} otherwise.
function nested(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = body[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// Gemini's generationConfig (where its output cap lives), {} when the body has none.
function geminiConfig(body: Record<string, unknown>): Record<string, unknown> {
  const config = body.generationConfig;
  return typeof config === "object" && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
}

// The request body with an output cap in the field this endpoint (and host) understands.
function withCap(call: LlmCall, cap: number): Record<string, unknown> | null {
  if (typeof call.body !== "object" || call.body === null || Array.isArray(call.body)) return null;
  const body = call.body as Record<string, unknown>;
  switch (call.endpoint) {
    case "responses":
      return { ...body, max_output_tokens: cap };
    case "chat.completions":
      // OpenAI's reasoning models refuse max_tokens; compatible servers do not all know the newer name.
      return isOpenAiHost(call.url) ? { ...body, max_completion_tokens: cap } : { ...body, max_tokens: cap };
    case "completions":
    case "messages":
      return { ...body, max_tokens: cap };
    case "generateContent":
    case "streamGenerateContent":
      return { ...body, generationConfig: { ...geminiConfig(body), maxOutputTokens: cap } };
    case "ollama.chat":
    case "ollama.generate":
      return { ...body, options: { ...nested(body, "options"), num_predict: cap } };
    default:
      return null;
  }
}

// A model server on this machine: localhost, 127.0.0.0/8 or ::1.
function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function isOpenAiHost(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "api.openai.com" || host.endsWith(".openai.azure.com");
  } catch {
    return false;
  }
}

// True when every scope of a reservation has at least `times` its amount left (an unlimited scope always has).
function roomFor(reserve: Reservation, ctx: PolicyContext, times: number): boolean {
  return reserve.scopes.every((scope) => {
    const planned = reserve.limits?.[scope];
    const known = ctx.budgets.limit(scope);
    const limit = planned === undefined ? known : planned;
    if (limit === null) return true;
    // The ledger's own balance once it knows the scope; a scope it has not seen yet has only spend.
    const left = known === null ? limit - ctx.budgets.spent(scope) : (ctx.budgets.remaining(scope) ?? limit);
    return left >= reserve.micros * times;
  });
}

// What a call may use at most: its estimated input and every output token it may ask for.
function worstCaseUsage(call: LlmCall, defaultMaxOutput: number): Usage {
  const input = tokenizersReady(call.model) ? estimateInputTokens(call) : call.estimatedTokens.input;
  const output = INPUT_ONLY.has(call.endpoint) ? 0 : (requestedCap(call) ?? defaultMaxOutput);
  return { inputTokens: input, outputTokens: output, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 };
}

// Without reported usage, a successful (or cut-short) call is still charged from estimates.
function estimatedUsage(call: LlmCall, result: LlmResult): Usage | null {
  if (result.status >= 400 || (result.status === 0 && result.output === "")) return null;
  return {
    inputTokens: tokenizersReady(call.model) ? estimateInputTokens(call) : call.estimatedTokens.input,
    outputTokens: tokenizersReady(call.model) ? countTextTokens(result.output, call.model) : Math.ceil(result.output.length / 4),
    cachedInputTokens: 0,
    cacheCreationInputTokens: 0,
    reasoningTokens: 0,
  };
}
