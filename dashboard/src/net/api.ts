// The dashboard's HTTP API: info, one call's detail, and actions; every request carries the
// token as a Bearer header, and every error comes back as {error: {code, message}}.
import type { ActionReply, ActionRequest, CallDetail, DashboardInfo } from "../model/messages.js";

/** An API refusal, with the server's code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request<T>(token: string, path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` }, cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, "IRON_ERR_UNREACHABLE", `the supervisor did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === "string" ? error.code : `HTTP_${res.status}`;
    const message = typeof error?.message === "string" ? error.message : typeof error === "string" ? error : `HTTP ${res.status} ${res.statusText}`;
    throw new ApiError(res.status, code, message);
  }
  return body as T;
}

export function fetchInfo(token: string): Promise<DashboardInfo> {
  return request<DashboardInfo>(token, "api/info");
}

export function fetchCall(token: string, callId: string): Promise<CallDetail> {
  return request<CallDetail>(token, `api/calls/${encodeURIComponent(callId)}`);
}

/** Runs an action; resolves with the server's answer (the seq of its audit event, and what a reset did), rejects with an ApiError when refused. */
export function postAction(token: string, action: ActionRequest): Promise<ActionReply> {
  return request<ActionReply>(token, "api/actions", {
    method: "POST",
    headers: { "content-type": "application/json", "x-iron-client": "dashboard" },
    body: JSON.stringify(action),
  });
}
