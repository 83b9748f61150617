// What the dashboard receives and fetches: the stream's messages (a snapshot or an event) and
// the JSON of /api/info and /api/calls/<id>, typed by the server's own definitions
// (src/events/types.ts, src/stream/dashboard-types.ts) so the two cannot drift apart.
import type { Snapshot } from "../../../src/events/projection.js";
import type { IronEvent } from "../../../src/events/types.js";

/** One event of the stream (an event type this page does not know is passed over). */
export type StreamEvent = IronEvent;

/** An operator's action from the dashboard or the HTTP API, done or refused. */
export type ControlActionEvent = IronEvent<"control.action">;

/** One message of the stream. */
export type StreamMessage = Snapshot | StreamEvent;

/** The API's JSON, as the server defines it. */
export type { ActionReply, CallDetail, DashboardInfo, DashboardAgent as InfoAgent } from "../../../src/stream/dashboard-types.js";

/** The actions `POST /api/actions` takes. */
export type ActionRequest =
  | { readonly action: "agent.stop" | "agent.restart" | "agent.start"; readonly agentId: string }
  | { readonly action: "budget.set"; readonly scope: string; readonly limitUsd: number | null }
  | { readonly action: "budget.reset"; readonly scopes: readonly string[] }
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
