// The dashboard's API over a running supervisor: its agents and what may be done to each,
// call details (recent bodies from the in-memory ring, events from the ring or the store),
// and actions carried out by the operator controls and audited as `control.action` events.
import type { EventInput, IronEvent } from "../events/types.js";
import type { Store } from "../store/store.js";
import { detailFromEvents, type CallDetails } from "../stream/call-details.js";
import { ACTION_NAMES, runAction, type ActionOutcome, type ControlTarget } from "../stream/control-actions.js";
import type { CallDetail, DashboardAgent } from "../stream/dashboard-types.js";
import type { ActResult, DashboardBackend } from "../stream/http-api.js";
import { VERSION } from "../version.js";
import type { Agent } from "./agent.js";
import type { JoinedAgent } from "./joined-agent.js";

export interface LiveDashboardDeps {
  readonly controls: ControlTarget;
  readonly details: CallDetails;
  readonly store: Store;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly joined: ReadonlyMap<string, JoinedAgent>;
  readonly warnAt: readonly number[];
  readonly publish: (event: EventInput) => IronEvent;
}

/** What a spawned agent allows now. */
export function agentActions(agent: Agent): Omit<DashboardAgent, "agentId" | "kind"> {
  const state = agent.state;
  const ended = agent.ended;
  return { state, canStart: ended || state === "backoff", canStop: !ended && state !== "stopping", canRestart: state !== "stopping" };
}

/** The API of a live supervisor's dashboard. */
export function liveDashboard(deps: LiveDashboardDeps): DashboardBackend {
  return {
    readOnly: false,
    info: () => ({
      version: VERSION,
      mode: "live",
      readOnly: false,
      stateFile: deps.store.path,
      actions: [...ACTION_NAMES],
      budgetWarnAt: [...deps.warnAt],
      agents: [
        ...[...deps.agents.values()].map((agent): DashboardAgent => ({ agentId: agent.id, kind: "spawned", ...agentActions(agent) })),
        ...[...deps.joined.values()].map((agent): DashboardAgent => ({ agentId: agent.id, kind: "joined", state: agent.state, canStart: false, canStop: false, canRestart: false })),
      ],
    }),
    call: (callId) => liveCall(deps, callId),
    act: (request, origin) => {
      const finish = ({ audit, result, error }: ActionOutcome): ActResult => {
        const event = deps.publish({ type: "control.action", ...audit });
        if (error !== null) throw error;
        return { seq: event.seq, result };
      };
      const outcome = runAction(deps.controls, request, origin);
      return outcome instanceof Promise ? outcome.then(finish) : finish(outcome);
    },
    refused: (audit) => deps.publish({ type: "control.action", ...audit }).seq,
  };
}

// From the ring when it saw the call from its first event; else the store's events, with any bodies the ring still has.
function liveCall(deps: LiveDashboardDeps, callId: string): CallDetail | null {
  const kept = deps.details.get(callId);
  if (kept !== null && deps.details.hasFullHistory(callId)) return kept;
  const bySeq = new Map<number, IronEvent>();
  for (const event of deps.store.callEvents(callId) ?? []) bySeq.set(event.seq, event);
  for (const event of kept?.events ?? []) bySeq.set(event.seq, event);
  const base = detailFromEvents(
    callId,
    [...bySeq.values()].sort((a, b) => a.seq - b.seq),
  );
  if (base === null) return kept;
  if (kept === null) return base;
  return { ...base, request: kept.request, requestMeta: kept.requestMeta, response: kept.response, bodies: kept.bodies };
}
