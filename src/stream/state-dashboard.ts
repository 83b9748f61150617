// `iron dashboard --state FILE`: the dashboard over a state file, read-only. The stored events
// are folded into a projection for the snapshot; `/events` replays from the file with `since`
// and follows events a running supervisor appends to it (polled); `/api/calls/<id>` reads the
// call's stored events. Bodies are never in a state file, and no action can be taken.
import { IronError } from "../errors.js";
import { StateProjection } from "../events/projection.js";
import type { IronEvent } from "../events/types.js";
import { DEFAULT_WARN_AT } from "../policy/budget-warnings.js";
import type { Logger } from "../telemetry/logger.js";
import { VERSION } from "../version.js";
import { detailFromEvents } from "./call-details.js";
import type { DashboardBackend } from "./http-api.js";
import type { ResolvedStreamOptions } from "./stream-options.js";
import { StreamServer } from "./stream-server.js";

/** Events read from the file at a time. */
const PAGE = 1000;

/** What the dashboard reads of a state file (the SQLite reader implements it; owned here, its consumer). */
export interface StoredEvents {
  /** Committed events with seq > `after`, oldest first, at most `limit`. */
  eventsAfter(after: number, limit: number): IronEvent[];
  /** Every event of one call in seq order; [] for an unknown call. */
  callEvents(callId: string): IronEvent[];
  /** Pulls what is new before each read (a fleet's database); absent: reads see new commits by themselves. */
  refresh?(): Promise<void>;
}

/** A read-only dashboard over a state file; `close()` stops following and serving. */
export interface StateDashboard {
  readonly server: StreamServer;
  close(): Promise<void>;
}

/** Folds the file's events, serves the dashboard and follows the file every `pollMs`. */
export async function startStateDashboard(events: StoredEvents, path: string, options: ResolvedStreamOptions, logger: Logger, pollMs = 500): Promise<StateDashboard> {
  const projection = new StateProjection(100);
  const joined = new Set<string>();
  const note = (event: IronEvent): void => {
    if (event.type === "agent.joined") joined.add(event.agentId);
  };
  await events.refresh?.();
  for (let page = events.eventsAfter(0, PAGE); page.length > 0; page = events.eventsAfter(projection.seq, PAGE)) {
    for (const event of page) {
      note(event);
      projection.apply(event);
    }
  }
  const backend: DashboardBackend = {
    readOnly: true,
    info: () => ({
      version: VERSION,
      mode: "state",
      readOnly: true,
      stateFile: path,
      actions: [],
      budgetWarnAt: [...DEFAULT_WARN_AT],
      agents: projection.snapshot().agents.map((a) => ({ agentId: a.agentId, kind: joined.has(a.agentId) ? "joined" : "spawned", state: a.state, canStart: false, canStop: false, canRestart: false })),
    }),
    call: (callId) => detailFromEvents(callId, events.callEvents(callId)),
    act: () => {
      throw new IronError("IRON_ERR_READ_ONLY", "this dashboard is read-only");
    },
    refused: () => null,
  };
  const server = await StreamServer.start(options, { projection, eventsAfter: (after, limit) => events.eventsAfter(after, limit), logger, dashboard: backend });
  // Follow what a running supervisor appends (a fresh read each time: WAL readers see new commits).
  let reading = false;
  const timer = setInterval(async () => {
    if (reading) return;
    reading = true;
    try {
      await events.refresh?.();
      for (let page = events.eventsAfter(projection.seq, PAGE); page.length > 0; page = events.eventsAfter(projection.seq, PAGE)) {
        for (const event of page) {
          note(event);
          server.publish(event);
        }
      }
    } catch (error) {
      logger.warn({ err: String(error) }, "could not read new events from the state file");
    } finally {
      reading = false;
    }
  }, pollMs);
  return {
    server,
    close: async () => {
      clearInterval(timer);
      await server.close();
    },
  };
}
