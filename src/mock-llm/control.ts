// The control API under /_mock/, for tests whose agent cannot set headers:
//   GET /_mock/health · GET|DELETE /_mock/requests · GET|POST|DELETE /_mock/faults
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, parseJsonObject } from "./body.js";
import { faultFromJson, FaultValueError, type FaultQueue } from "./faults.js";
import type { RequestRecorder } from "./recorder.js";

/** What the control API reads and changes. */
export interface ControlState {
  readonly recorder: RequestRecorder;
  readonly faults: FaultQueue;
}

// Plain JSON answer (the control API has no provider shape).
function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// Control-API errors: {"error": {"message", "expected"?, "got"?}}.
function fail(res: ServerResponse, status: number, message: string, detail: object = {}): void {
  reply(res, status, { error: { message, ...detail } });
}

/** Serves one /_mock/* request. */
export async function handleControl(state: ControlState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const route = `${req.method ?? "GET"} ${path}`;
  switch (route) {
    case "GET /_mock/health":
      return reply(res, 200, { status: "ok", requests: state.recorder.list().length, faults: state.faults.list().length });
    case "GET /_mock/requests":
      return reply(res, 200, { data: state.recorder.list() });
    case "DELETE /_mock/requests":
      return reply(res, 200, { cleared: state.recorder.clear() });
    case "GET /_mock/faults":
      return reply(res, 200, { data: state.faults.list() });
    case "DELETE /_mock/faults":
      return reply(res, 200, { cleared: state.faults.clear() });
    case "POST /_mock/faults":
      return queueFault(state, req, res);
    default:
      return fail(res, 404, `unknown control endpoint ${route}`, { expected: "GET /_mock/health, GET|DELETE /_mock/requests, GET|POST|DELETE /_mock/faults" });
  }
}

// POST /_mock/faults: validates the body and queues it (201 with the queued entry).
async function queueFault(state: ControlState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, 1024 * 1024);
  if (body.tooLarge) return fail(res, 413, "fault body too large");
  const parsed = parseJsonObject(body.text, false);
  if (!parsed.ok) return fail(res, 400, `invalid JSON body: ${parsed.reason}`, { expected: "a JSON object", got: parsed.raw.slice(0, 200) });
  try {
    const { spec, count, path } = faultFromJson(parsed.value);
    return reply(res, 201, { queued: state.faults.add(spec, count, path) });
  } catch (error) {
    if (error instanceof FaultValueError) return fail(res, 400, error.message, { key: error.key, expected: error.expected, got: error.got });
    throw error;
  }
}
