// The JSON the dashboard's HTTP API answers, shared by the server (src/stream) and the page
// (dashboard/), which imports these types: one definition, so the two cannot drift apart.
// Types only, no Node or DOM: safe for either side.
import type { IronEvent } from "../events/types.js";
import type { ResetScope } from "../policy/budget-ledger.js";

/** `GET /api/info`. */
export interface DashboardInfo {
  readonly version: string;
  readonly mode: "live" | "state";
  readonly readOnly: boolean;
  readonly stateFile: string | null;
  readonly eventsPath: string;
  /** The actions the presented token may run ([] for the watch token and when read-only). */
  readonly actions: readonly string[];
  /** Budget warning thresholds, fractions of a limit (0.5, 0.8, 0.9). */
  readonly budgetWarnAt: readonly number[];
  readonly agents: readonly DashboardAgent[];
}

/** `POST /api/actions` done: the seq of its audit event; budget.reset adds the scopes reset, each with what it had spent. */
export interface ActionReply {
  readonly ok: true;
  readonly seq: number;
  readonly reset?: readonly ResetScope[];
}

export interface DashboardAgent {
  readonly agentId: string;
  readonly kind: "spawned" | "joined";
  readonly state: string;
  readonly canStart: boolean;
  readonly canStop: boolean;
  readonly canRestart: boolean;
}

/** The request side of a call as the detail view shows it. */
export interface RequestMeta {
  readonly provider: string;
  readonly method: string;
  /** The URL, scrubbed (a key in a query string shows as a placeholder). */
  readonly url: string;
  /** False when a policy denied the call: nothing was sent, `request` is what the agent tried to send. */
  readonly sent: boolean;
}

/** The response side: the status and the output text the agent received. */
export interface ResponseView {
  readonly status: number | null;
  /** null when the agent got no text (the response was denied or carried none). */
  readonly text: string | null;
  /** The response decision: allow, redact or deny. */
  readonly action: string;
}

/** `GET /api/calls/<id>`. */
export interface CallDetail {
  readonly callId: string;
  readonly agentId: string;
  readonly events: readonly IronEvent[];
  readonly request: unknown;
  readonly requestMeta: RequestMeta | null;
  readonly response: ResponseView | null;
  readonly bodies: "kept" | "not kept";
}
