// The reliability policy: circuit breakers per provider+model (an open breaker refuses the
// call with 503, or reroutes it to a configured fallback), rate limits per agent and per
// provider (a short wait, or 429 with Retry-After), and a per-call deadline.
import type { ProviderSetting } from "../../protocol/messages.js";
import type { BreakerBoard } from "../breaker/board.js";
import { deny } from "../decisions.js";
import { normalizeModel } from "../prices.js";
import type { RateAnswer, RateCharge, RateLimits } from "../rate-limiter.js";
import { estimateInputTokens, tokenizersReady } from "../tokens.js";
import type { LlmCall, LlmResult, Modify, Policy, RequestDecision } from "../types.js";
import { requestedCap } from "./budget.js";

/** Requests and tokens per minute (either may be unlimited). */
export interface RateLimit {
  readonly rpm: number | null;
  readonly tpm: number | null;
}

/** Where a call for `model` (on `provider`) goes while its breaker is open, in order of preference. */
export interface FallbackRule {
  readonly model: string;
  readonly provider: string | null;
  readonly to: readonly { readonly model: string | null; readonly provider: string | null }[];
}

export interface ReliabilityPolicyOptions {
  readonly breakers: BreakerBoard | null;
  readonly limiter: RateLimits;
  readonly perAgent: RateLimit | null;
  readonly perProvider: Readonly<Record<string, RateLimit>>;
  /** By attribute name: a limit for each value of iron_shim.context(<name>=...) (`user:u42`); optional. */
  readonly perAttribute?: Readonly<Record<string, RateLimit>>;
  /** The longest a call may be held back to fit a rate limit before it is refused instead. */
  readonly maxWaitMs: number;
  /** Deadline of each call in milliseconds (sent to the shim; slower calls count as failures). */
  readonly timeoutMs: number | null;
  readonly fallbacks: readonly FallbackRule[];
  /** Configured providers, for fallbacks to another base URL. */
  readonly providers: readonly ProviderSetting[];
}

// Where each endpoint lives under a provider's base URL.
const PATHS: Readonly<Record<string, string>> = {
  "chat.completions": "/chat/completions",
  responses: "/responses",
  completions: "/completions",
  embeddings: "/embeddings",
  messages: "/messages",
};

const NOTHING = Object.freeze({});

/** Creates the built-in reliability policy (named "reliability"). */
export function reliabilityPolicy(options: ReliabilityPolicyOptions): Policy {
  const kindOf = (call: LlmCall): "openai" | "anthropic" => (call.endpoint === "messages" ? "anthropic" : "openai");

  // Reroutes a call whose breaker is open to the first fallback whose own breaker admits it.
  const reroute = (call: LlmCall, now: number): Modify | null => {
    const model = call.model ?? "";
    const rule = options.fallbacks.find((r) => (r.model === model || r.model === normalizeModel(model)) && (r.provider === null || r.provider === call.provider));
    for (const target of rule?.to ?? []) {
      const provider = target.provider === null ? null : options.providers.find((p) => p.name === target.provider);
      if (provider !== null && (provider === undefined || provider.kind !== kindOf(call))) continue;
      const nextModel = target.model ?? model;
      const nextProvider = provider?.name ?? call.provider;
      if (options.breakers !== null && !options.breakers.admit(nextProvider, nextModel, now).ok) continue;
      const body = typeof call.body === "object" && call.body !== null ? { ...(call.body as Record<string, unknown>), model: nextModel } : call.body;
      const url = provider === null || provider === undefined ? undefined : urlFor(provider, call.endpoint);
      const where = provider === null || provider === undefined ? nextModel : `${nextProvider}/${nextModel}`;
      return { action: "modify", body, ...(url !== undefined && { url, provider: nextProvider }), reason: `breaker open for ${call.provider}/${model}; rerouted to ${where}` };
    }
    return null;
  };

  // The rate-limit charges a call must pass: per agent, per provider, per attribute value; requests and tokens.
  const chargesOf = (call: LlmCall): RateCharge[] => {
    const charges: RateCharge[] = [];
    const limits: [string, RateLimit | null | undefined][] = [
      [`agent:${call.agentId}`, options.perAgent],
      [`provider:${call.provider}`, options.perProvider[call.provider]],
    ];
    for (const [attribute, limit] of Object.entries(options.perAttribute ?? {})) {
      const value = call.attrs[attribute];
      if (value !== undefined && value !== "") limits.push([`${attribute}:${value}`, limit]);
    }
    let tokens: number | null = null;
    for (const [key, limit] of limits) {
      if (limit === null || limit === undefined) continue;
      if (limit.rpm !== null) charges.push({ key: `${key}/rpm`, perMinute: limit.rpm, cost: 1 });
      if (limit.tpm !== null) {
        tokens ??= (tokenizersReady(call.model) ? estimateInputTokens(call) : call.estimatedTokens.input) + (requestedCap(call) ?? 0);
        charges.push({ key: `${key}/tpm`, perMinute: limit.tpm, cost: tokens });
      }
    }
    return charges;
  };

  // The allow (or reroute) decision with the rate limit's wait and the call's deadline.
  const allowed = (decision: Modify | null, delayMs: number): RequestDecision | undefined => {
    const extras = { ...(delayMs > 0 && { delayMs }), ...(options.timeoutMs !== null && { timeoutMs: options.timeoutMs }) };
    if (decision !== null) return { ...decision, ...extras };
    if (delayMs > 0) return { action: "allow", reason: `waited ${delayMs} ms for a rate limit`, ...extras };
    return Object.keys(extras).length === 0 ? undefined : { action: "allow", ...extras };
  };

  const rateLimited = options.perAgent !== null || Object.keys(options.perProvider).length > 0 || Object.keys(options.perAttribute ?? {}).length > 0;
  return {
    name: "reliability",
    onRequest(call, ctx): RequestDecision | undefined | Promise<RequestDecision | undefined> {
      let decision: Modify | null = null;
      let target = call;
      if (options.breakers !== null && call.model !== null) {
        const admission = options.breakers.admit(call.provider, call.model, ctx.now);
        if (!admission.ok) {
          decision = reroute(call, ctx.now);
          if (decision === null) {
            const retryAfter = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
            return deny(
              "IRON_ERR_BREAKER_OPEN",
              `circuit breaker for ${call.provider}/${call.model} is ${admission.state === "open" ? "open" : "half-open"} (${admission.reason}); retry in ${retryAfter}s`,
              { status: 503, retryAfter },
            );
          }
          target = { ...call, body: decision.body, model: (decision.body as { model?: string } | null)?.model ?? call.model, provider: decision.provider ?? call.provider };
        }
      }
      const charges = chargesOf(target);
      const finish = (answer: RateAnswer): RequestDecision | undefined => {
        if (!answer.ok) {
          const retryAfter = Math.max(1, Math.ceil(answer.retryAfterMs / 1000));
          return deny("IRON_ERR_RATE_LIMIT", `rate limit ${answer.key.replace(/\/(?=[^/]*$)/, " ")} reached; retry in ${retryAfter}s`, { status: 429, retryAfter });
        }
        return allowed(decision, answer.waitMs);
      };
      if (charges.length === 0) return allowed(decision, 0);
      // A fleet's limiter may have to borrow from the database: only then is the answer a promise.
      const answer = options.limiter.take(charges, ctx.now, options.maxWaitMs);
      return answer instanceof Promise ? answer.then(finish) : finish(answer);
    },
    // A grant (SPEC 3.4a) only while no rate limit applies and the call's breaker is closed: a breaker
    // that changes ends every grant (the supervisor's breaker.state listener).
    admission: (call) => (rateLimited || (options.breakers !== null && call.model !== null && options.breakers.state(call.provider, call.model) !== "closed") ? null : NOTHING),
    // Feeds the breakers; never redacts or denies a response.
    actsOnResponse: () => false,
    onResponse(call, result, ctx) {
      if (options.breakers === null || call.model === null) return undefined;
      const outcome = classify(result, options.timeoutMs);
      if (outcome === null) return undefined;
      // A success (nearly every call) is built as it is, not spread.
      options.breakers.record(call.provider, call.model, outcome.ok ? { ok: true, at: ctx.now } : { ...outcome, at: ctx.now });
      return undefined;
    },
  };
}

/** A call's outcome for its breaker; null when it says nothing about the provider (closed early by the agent). */
export function classify(result: LlmResult, timeoutMs: number | null): { ok: boolean; reason?: string; retryAfterMs?: number } | null {
  if (result.status === 0) return failure(result.error ?? "no response", result);
  if (result.status >= 500 || result.status === 429 || result.status === 408) return failure(`HTTP ${result.status}`, result);
  if (result.status >= 400) return { ok: true };
  if (!result.complete) return result.error === null ? null : { ok: false, reason: `stream broke: ${result.error}` };
  if (timeoutMs !== null && result.latencyMs > timeoutMs) return { ok: false, reason: `took ${Math.round(result.latencyMs)} ms (timeout ${timeoutMs} ms)` };
  return { ok: true };
}

// A failed call's outcome, with the wait the provider asked for when it gave one.
function failure(reason: string, result: LlmResult): { ok: false; reason: string; retryAfterMs?: number } {
  return typeof result.retryAfter === "number" ? { ok: false, reason, retryAfterMs: result.retryAfter * 1000 } : { ok: false, reason };
}

/** The URL of an endpoint under a configured provider's base URL (Anthropic's base has no /v1). */
export function urlFor(provider: ProviderSetting, endpoint: string): string {
  const base = provider.base_url.replace(/\/+$/, "");
  const path = PATHS[endpoint] ?? `/${endpoint}`;
  if (provider.kind === "anthropic" && !base.endsWith("/v1")) return `${base}/v1${path}`;
  return base + path;
}
