// The dashboard's JSON API under /api: every request presents the stream token as
// `Authorization: Bearer …`; actions also need a JSON body and, from a browser, the server's
// own origin (a page elsewhere cannot drive them even if it guesses the port).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../telemetry/logger.js";
import { crossOriginRefusal, tokenMatches } from "./auth.js";
import type { ActionReply, CallDetail, DashboardInfo } from "./dashboard-types.js";
import { parseAction, type ActionOrigin, type ActionResult, type ControlAudit, type ControlRequest } from "./control-actions.js";
import { HttpError, readJsonObject, sendError, sendJson } from "./http-json.js";
import { EVENTS_PATH } from "./protocol.js";

/** A done action: the seq of its audit event and its result. */
export interface ActResult {
  readonly seq: number;
  readonly result: ActionResult;
}

/** What the API serves from: a live supervisor, or a state file read-only. */
export interface DashboardBackend {
  /** True when no action can be carried out (a state file read by `iron dashboard --state`). */
  readonly readOnly: boolean;
  info(): Omit<DashboardInfo, "eventsPath">;
  /** A call's detail, or null when there is no such call. */
  call(callId: string): CallDetail | null;
  /**
   * Runs an action; answers the seq of its `control.action` event and what the action returns
   * (budget.reset: the scopes reset, as a promise: a fleet's reset waits on its database), or
   * throws HttpError (the refusal is audited too when the backend can write events).
   */
  act(request: ControlRequest, origin: ActionOrigin): ActResult | Promise<ActResult>;
  /** Records the audit of a request refused before it could run (a bad body); null when events cannot be written. */
  refused(audit: ControlAudit): number | null;
}

/** The stream's two tokens: `watch` reads, `control` reads and acts. */
export interface StreamTokens {
  readonly watch: string;
  readonly control: string;
}

/** Handles one /api request. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, tokens: StreamTokens, backend: DashboardBackend, logger: Logger): Promise<void> {
  try {
    const header = req.headers.authorization;
    const presented = typeof header === "string" ? (/^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null) : null;
    const control = tokenMatches(presented, tokens.control);
    if (!control && !tokenMatches(presented, tokens.watch)) {
      logger.warn({ remote: req.socket.remoteAddress, path }, "refused a dashboard API request without a valid token");
      throw new HttpError(
        401,
        "IRON_ERR_AUTH",
        `present the run's token: expected the header Authorization: Bearer <token>, got ${header === undefined ? "no Authorization header" : "a token that does not match"}`,
        {
          "www-authenticate": 'Bearer realm="iron"',
        },
      );
    }
    if (path === "/api/info") {
      only(req, ["GET", "HEAD"]);
      const info = backend.info();
      return sendJson(res, 200, { ...(control ? info : watchOnly(info)), eventsPath: EVENTS_PATH });
    }
    const call = /^\/api\/calls\/([^/]+)$/.exec(path);
    if (call !== null) {
      only(req, ["GET", "HEAD"]);
      let callId: string;
      try {
        callId = decodeURIComponent(call[1] as string);
      } catch {
        throw new HttpError(400, "IRON_ERR_USAGE", `expected a call id in /api/calls/<callId>, got ${JSON.stringify(call[1])}`);
      }
      const detail = backend.call(callId);
      if (detail === null) throw new HttpError(404, "IRON_ERR_NOT_FOUND", `no call ${JSON.stringify(callId)}: expected the callId of a call on record`);
      return sendJson(res, 200, detail);
    }
    if (path === "/api/actions") {
      only(req, ["POST"]);
      if (!control) {
        logger.warn({ remote: req.socket.remoteAddress }, "refused an action presented with the watch token");
        throw new HttpError(403, "IRON_ERR_AUTH", "this token may watch, not act: expected the control token for /api/actions, got the watch token");
      }
      return sendJson(res, 200, await action(req, backend));
    }
    throw new HttpError(404, "IRON_ERR_NOT_FOUND", `nothing at ${path}: expected /api/info, /api/calls/<callId> or /api/actions`);
  } catch (error) {
    if (error instanceof HttpError) return sendError(res, error.status, error.code, error.message, error.headers);
    logger.error({ err: String(error), path }, "a dashboard API request failed");
    return sendError(res, 500, "IRON_ERR_INTERNAL", "the request failed inside iron; see the supervisor's log");
  }
}

/** What the watch token is told: the same page, and no action it would be refused. */
function watchOnly(info: ReturnType<DashboardBackend["info"]>): ReturnType<DashboardBackend["info"]> {
  return { ...info, actions: [], agents: info.agents.map((a) => ({ ...a, canStart: false, canStop: false, canRestart: false })) };
}

function only(req: IncomingMessage, methods: readonly string[]): void {
  if (!methods.includes(req.method ?? "")) {
    throw new HttpError(405, "IRON_ERR_USAGE", `expected ${methods.join(" or ")}, got ${req.method ?? "no method"}`, { allow: methods.join(", ") });
  }
}

// POST /api/actions: same origin, a JSON body, a known action; audited done or refused.
async function action(req: IncomingMessage, backend: DashboardBackend): Promise<ActionReply> {
  const crossOrigin = crossOriginRefusal(req);
  if (crossOrigin !== null) throw new HttpError(403, "IRON_ERR_AUTH", `cross-origin action refused: ${crossOrigin}`);
  if (backend.readOnly) {
    throw new HttpError(
      403,
      "IRON_ERR_READ_ONLY",
      "this dashboard reads a state file (iron dashboard --state): expected a running supervisor's dashboard (iron run, iron serve) for actions, got a read-only one",
    );
  }
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new HttpError(415, "IRON_ERR_USAGE", `expected Content-Type: application/json, got ${req.headers["content-type"] === undefined ? "none" : JSON.stringify(req.headers["content-type"])}`);
  }
  const who: ActionOrigin = { source: req.headers["x-iron-client"] === "dashboard" ? "dashboard" : "api", remote: req.socket.remoteAddress ?? "unknown" };
  const body = await readJsonObject(req);
  let request: ControlRequest;
  try {
    request = parseAction(body);
  } catch (error) {
    if (error instanceof HttpError) {
      const name = typeof body.action === "string" ? body.action.slice(0, 60) : "invalid";
      const target = [body.agentId, body.scope, body.provider].find((v) => typeof v === "string") as string | undefined;
      backend.refused({ action: name, target: target?.slice(0, 200) ?? "", params: {}, outcome: "refused", code: error.code, error: error.message, ...who });
    }
    throw error;
  }
  const { seq, result } = await backend.act(request, who);
  return { ok: true, seq, ...result };
}
