// The dashboard's actions: `POST /api/actions` bodies parsed into typed requests, run against
// whatever can carry them out (a live supervisor), each one — done or refused — audited as a
// `control.action` event. Errors map to HTTP statuses in one place.
import { isIronError, messageOf, type IronErrorCode } from "../errors.js";
import type { EventPayloads } from "../events/types.js";
import type { BudgetSelector, ResetScope } from "../policy/budget-ledger.js";
import { HttpError } from "./http-json.js";

/** Every action name, as `GET /api/info` lists them. */
export const ACTION_NAMES = ["agent.stop", "agent.start", "agent.restart", "budget.set", "budget.reset", "breaker.reset"] as const;

/** One parsed action. */
export type ControlRequest =
  | { readonly action: "agent.stop" | "agent.start" | "agent.restart"; readonly agentId: string }
  | { readonly action: "budget.set"; readonly scope: string; readonly limitUsd: number | null }
  | { readonly action: "budget.reset"; readonly selector: BudgetSelector }
  | { readonly action: "breaker.reset"; readonly provider: string; readonly model: string };

/** What carries the actions out; each throws an IronError (IRON_ERR_NOT_FOUND, IRON_ERR_STATE, …) when it cannot. */
export interface ControlTarget {
  stopAgent(agentId: string, reason: string): void;
  startAgent(agentId: string, reason: string): void;
  restartAgent(agentId: string, reason: string): void;
  /** Sets a budget's limit in USD (null removes it). */
  setBudgetLimit(scope: string, limitUsd: number | null): void;
  /** Sets the recorded spend of the selected scopes back to zero; resolves with them and what they had spent. */
  resetBudgets(selector: BudgetSelector): Promise<readonly ResetScope[]>;
  resetBreaker(provider: string, model: string, reason: string): void;
}

/** Who asked: `dashboard` when the page sent it (header `X-Iron-Client: dashboard`), else `api`. */
export interface ActionOrigin {
  readonly source: "dashboard" | "api";
  readonly remote: string;
}

export type ControlAudit = EventPayloads["control.action"];

const STATUS: Partial<Record<IronErrorCode, number>> = {
  IRON_ERR_NOT_FOUND: 404,
  IRON_ERR_STATE: 409,
  IRON_ERR_USAGE: 400,
  IRON_ERR_CONFIG: 400,
  IRON_ERR_READ_ONLY: 403,
  IRON_ERR_AUTH: 401,
  // A database (a fleet's) that cannot be reached or fails: the action may work again later.
  IRON_ERR_STORE: 503,
};

function text(body: Record<string, unknown>, key: string, example: string): string {
  const value = body[key];
  if (typeof value !== "string" || value === "" || value.length > 500) {
    throw new HttpError(400, "IRON_ERR_USAGE", `${String(body.action)} needs "${key}": expected a non-empty string like ${JSON.stringify(example)}, got ${describeJson(value)}`);
  }
  return value;
}

function describeJson(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Parses a body into a ControlRequest; throws HttpError 400 naming the expected and the got. */
export function parseAction(body: Record<string, unknown>): ControlRequest {
  const action = body.action;
  switch (action) {
    case "agent.stop":
    case "agent.start":
    case "agent.restart":
      return { action, agentId: text(body, "agentId", "agent") };
    case "budget.set": {
      const scope = text(body, "scope", "global");
      const limitUsd = body.limitUsd;
      if (!(limitUsd === null || (typeof limitUsd === "number" && Number.isFinite(limitUsd) && limitUsd >= 0 && limitUsd <= 1e9))) {
        throw new HttpError(400, "IRON_ERR_USAGE", `budget.set needs "limitUsd": expected a number of USD >= 0, or null to remove the limit, got ${describeJson(limitUsd)}`);
      }
      return { action, scope, limitUsd };
    }
    case "budget.reset":
      return { action, selector: selectorOf(body) };
    case "breaker.reset":
      return { action, provider: text(body, "provider", "openai"), model: text(body, "model", "gpt-4o-mini") };
    default:
      throw new HttpError(400, "IRON_ERR_USAGE", `unknown action: expected one of ${ACTION_NAMES.join(", ")}, got ${describeJson(action)}`);
  }
}

// budget.reset's scopes: {"scopes": ["global", "agent:a"]} or {"all": true}.
function selectorOf(body: Record<string, unknown>): BudgetSelector {
  const scopes = body.scopes;
  if (body.all === true && scopes === undefined) return { all: true };
  if (body.all === undefined && Array.isArray(scopes) && scopes.length > 0 && scopes.length <= 100 && scopes.every((s) => typeof s === "string" && s !== "" && s.length <= 500)) {
    return { scopes: scopes as string[] };
  }
  throw new HttpError(400, "IRON_ERR_USAGE", `budget.reset needs "scopes" (1 to 100 scope names like "global") or "all": true, got ${describeJson(scopes ?? body.all)}`);
}

/** The audit's target and params of a request (also for a refused one). */
export function describeRequest(request: ControlRequest): Pick<ControlAudit, "action" | "target" | "params"> {
  switch (request.action) {
    case "budget.set":
      return { action: request.action, target: request.scope, params: { limitUsd: request.limitUsd } };
    case "budget.reset":
      return { action: request.action, target: "all" in request.selector ? "*" : request.selector.scopes.join(",").slice(0, 200), params: {} };
    case "breaker.reset":
      return { action: request.action, target: `${request.provider}/${request.model}`, params: {} };
    default:
      return { action: request.action, target: request.agentId, params: {} };
  }
}

/** What a done action answers besides its seq: budget.reset's scopes with what each had spent. */
export type ActionResult = { readonly reset: readonly ResetScope[] } | null;

/** An action's audit to record, its result, and the HTTP error when refused. */
export interface ActionOutcome {
  readonly audit: ControlAudit;
  readonly result: ActionResult;
  readonly error: HttpError | null;
}

/**
 * Runs a request against the target. budget.reset may wait on a database (a fleet's reset), so
 * it answers a promise; every other action is done, or refused, by the time this returns.
 */
export function runAction(target: ControlTarget, request: ControlRequest, origin: ActionOrigin): ActionOutcome | Promise<ActionOutcome> {
  const by = `by ${origin.source === "dashboard" ? "the dashboard" : "the API"} (${origin.remote})`;
  try {
    switch (request.action) {
      case "agent.stop":
        target.stopAgent(request.agentId, `stopped ${by}`);
        break;
      case "agent.start":
        target.startAgent(request.agentId, `started ${by}`);
        break;
      case "agent.restart":
        target.restartAgent(request.agentId, `restarted ${by}`);
        break;
      case "budget.set":
        target.setBudgetLimit(request.scope, request.limitUsd);
        break;
      case "budget.reset":
        return target.resetBudgets(request.selector).then(
          (reset) => done(request, origin, { reset }),
          (error: unknown) => refused(request, origin, error),
        );
      case "breaker.reset":
        target.resetBreaker(request.provider, request.model, `reset by an operator ${by}`);
        break;
    }
    return done(request, origin, null);
  } catch (error) {
    return refused(request, origin, error);
  }
}

function done(request: ControlRequest, origin: ActionOrigin, result: ActionResult): ActionOutcome {
  const params: ControlAudit["params"] = result === null ? {} : { scopesReset: result.reset.length, spentMicros: result.reset.reduce((sum, r) => sum + r.spent, 0) };
  return { audit: { ...describeRequest(request), params: { ...describeRequest(request).params, ...params }, outcome: "done", code: null, error: null, ...origin }, result, error: null };
}

function refused(request: ControlRequest, origin: ActionOrigin, error: unknown): ActionOutcome {
  const code = isIronError(error) ? error.code : "IRON_ERR_INTERNAL";
  const full = messageOf(error);
  const message = full.startsWith(`${code}: `) ? full.slice(code.length + 2) : full;
  const status = STATUS[code] ?? 500;
  return { audit: { ...describeRequest(request), outcome: "refused", code, error: message, ...origin }, result: null, error: new HttpError(status, code, message) };
}
