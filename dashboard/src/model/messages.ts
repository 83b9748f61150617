// What the dashboard receives and fetches: the stream's messages (a snapshot or an event) and
// the JSON of /api/info and /api/calls/<id>. The event catalogue is src/events/types.ts; the
// `control.action` audit is spelled out here too so the page reads it on any server version.
import type { Snapshot } from "../../../src/events/projection.js";
import type { IronEvent } from "../../../src/events/types.js";

/** An operator's action from the dashboard or the HTTP API, done or refused. */
export interface ControlActionEvent {
  readonly seq: number;
  readonly ts: number;
  readonly type: "control.action";
  readonly action: string;
  readonly target: string;
  readonly params: Readonly<Record<string, string | number | boolean | null>>;
  readonly outcome: "done" | "refused";
  readonly code: string | null;
  readonly error: string | null;
  readonly source: string;
  readonly remote: string;
}

/** One event of the stream (an event type this page does not know is passed over). */
export type StreamEvent = IronEvent | ControlActionEvent;

/** One message of the stream. */
export type StreamMessage = Snapshot | StreamEvent;

/** `GET /api/info`. */
export interface DashboardInfo {
  readonly version: string;
  readonly mode: "live" | "state";
  readonly readOnly: boolean;
  readonly stateFile: string | null;
  readonly eventsPath: string;
  readonly actions: readonly string[];
  readonly budgetWarnAt: readonly number[];
  readonly agents: readonly InfoAgent[];
}

export interface InfoAgent {
  readonly agentId: string;
  readonly kind: "spawned" | "joined";
  readonly canStart: boolean;
  readonly canStop: boolean;
  readonly canRestart: boolean;
}

/** `GET /api/calls/<id>`: already redacted by the server; shown as text only. */
export interface CallDetail {
  readonly callId: string;
  readonly agentId: string;
  readonly events: readonly StreamEvent[];
  readonly request: unknown;
  readonly requestMeta?: { readonly provider: string; readonly method: string; readonly url: string; readonly sent: boolean } | null;
  readonly response: { readonly status: number | null; readonly text: string | null; readonly action?: string } | null;
  readonly bodies: "kept" | "not kept";
}

/** The actions `POST /api/actions` takes. */
export type ActionRequest =
  | { readonly action: "agent.stop" | "agent.restart" | "agent.start"; readonly agentId: string }
  | { readonly action: "budget.set"; readonly scope: string; readonly limitUsd: number | null }
  | { readonly action: "breaker.reset"; readonly provider: string; readonly model: string };

/** Parses one text frame; null when it is not a message this page can use. */
export function parseMessage(text: string): StreamMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const m = value as { type?: unknown; seq?: unknown };
  if (typeof m.type !== "string" || typeof m.seq !== "number" || !Number.isInteger(m.seq)) return null;
  return value as StreamMessage;
}
