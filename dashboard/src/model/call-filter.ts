// The calls table's filters: by agent, model (asked for or answered by), decision, and free
// text over the fields a row shows. Rows come newest first.
import { callOutcome } from "../../../src/events/call-outcome.js";
import type { CallView } from "../../../src/events/projection.js";

export interface CallFilter {
  /** "" for any. */
  readonly agent: string;
  readonly model: string;
  /** allow, modify, deny, redact (a response redacted), pending (no decision yet), or "" for any. */
  readonly decision: string;
  /** Case-insensitive, matched against every shown field. */
  readonly text: string;
}

export const NO_FILTER: CallFilter = Object.freeze({ agent: "", model: "", decision: "", text: "" });

/** The decision a row shows: the call's outcome as `iron calls` reads it (a deny anywhere, then any redaction, …). */
export function shownDecision(call: CallView): string {
  return callOutcome(call);
}

/** True when the call passes the filter. */
export function matchesFilter(call: CallView, filter: CallFilter): boolean {
  if (filter.agent !== "" && call.agentId !== filter.agent) return false;
  if (filter.model !== "" && call.model !== filter.model && call.responseModel !== filter.model) return false;
  if (filter.decision !== "" && shownDecision(call) !== filter.decision) return false;
  const text = filter.text.trim().toLowerCase();
  if (text === "") return true;
  const haystack = [call.callId, call.agentId, call.model, call.responseModel, shownDecision(call), call.policy, call.code, call.reason, call.status].join(" ").toLowerCase();
  return haystack.includes(text);
}

/** The calls that pass, newest first. */
export function filterCalls(calls: Iterable<CallView>, filter: CallFilter): CallView[] {
  const out: CallView[] = [];
  for (const call of calls) if (matchesFilter(call, filter)) out.push(call);
  return out.reverse();
}

/** The agents and models the calls mention, sorted (for the filter menus). */
export function filterChoices(calls: Iterable<CallView>): { agents: string[]; models: string[] } {
  const agents = new Set<string>();
  const models = new Set<string>();
  for (const call of calls) {
    agents.add(call.agentId);
    if (call.model !== null) models.add(call.model);
    if (call.responseModel !== null) models.add(call.responseModel);
  }
  return { agents: [...agents].sort(), models: [...models].sort() };
}

/** The rows a virtualised list shows: the first index and how many, given the scroll offset. */
export function visibleWindow(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 8): { start: number; count: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(total, first + Math.ceil(viewportHeight / rowHeight) + overscan);
  return { start, count: Math.max(0, end - start) };
}
