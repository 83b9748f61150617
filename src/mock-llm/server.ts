// startMockLlm: binds the HTTP server and wires the control API, the provider routes, the
// request log and the fault queue together; close() stops streams and frees the port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { once, setMaxListeners } from "node:events";
import type { AddressInfo } from "node:net";
import { IronError } from "../errors.js";
import { handleControl } from "./control.js";
import { dispatch, type DispatchState } from "./dispatch.js";
import { FaultQueue, faultFromJson, type FaultSpec, type QueuedFault } from "./faults.js";
import { resolveMockLlmOptions, type MockLlmOptions, type ResolvedMockLlmOptions } from "./options.js";
import { seededRandom } from "./random.js";
import { RequestRecorder, type RecordedRequest } from "./recorder.js";

/** A fault to queue from code (same fields as POST /_mock/faults). */
export interface QueueFaultInput extends FaultSpec {
  /** How many matching requests get it; default 1. */
  readonly count?: number;
  /** Only requests on this exact path; default any provider path. */
  readonly path?: string;
}

/** A running mock provider. */
export interface MockLlm {
  /** http://HOST:PORT */
  readonly url: string;
  /** url + "/v1": what OPENAI_BASE_URL takes (the Anthropic SDK takes `url`). */
  readonly baseUrl: string;
  readonly port: number;
  readonly options: ResolvedMockLlmOptions;
  /** A snapshot of the request log (bounded by maxRecorded; API keys redacted). */
  readonly requests: readonly RecordedRequest[];
  /** Queues a fault for the next matching requests, like POST /_mock/faults. */
  queueFault(fault: QueueFaultInput): QueuedFault;
  /** Drops every queued fault. */
  clearFaults(): void;
  /** Empties the request log. */
  clearRequests(): void;
  /** Stops streams, closes connections, frees the port. Idempotent. */
  close(): Promise<void>;
}

/** Starts a mock OpenAI + Anthropic server; resolves once it listens. */
export async function startMockLlm(options: MockLlmOptions = {}): Promise<MockLlm> {
  const resolved = resolveMockLlmOptions(options);
  const closing = new AbortController();
  setMaxListeners(0, closing.signal); // one listener per in-flight request
  const state: DispatchState = {
    options: resolved,
    recorder: new RequestRecorder(resolved.maxRecorded),
    faults: new FaultQueue(),
    random: seededRandom(resolved.seed),
    closing: closing.signal,
  };
  const server = createServer((req, res) => void route(state, req, res));
  const port = await listen(server, resolved.host, resolved.port);
  const url = `http://${resolved.host.includes(":") ? `[${resolved.host}]` : resolved.host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    options: resolved,
    get requests() {
      return state.recorder.list();
    },
    queueFault(fault) {
      const { count, path, ...spec } = fault;
      const checked = faultFromJson({ ...spec, count, path });
      return state.faults.add(checked.spec, checked.count, checked.path);
    },
    clearFaults: () => void state.faults.clear(),
    clearRequests: () => void state.recorder.clear(),
    close() {
      closed ??= stop(server, closing);
      return closed;
    },
  };
}

// Sends /_mock/* to the control API and everything else to the provider dispatcher.
async function route(state: DispatchState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://mock.invalid").pathname;
  try {
    if (path === "/_mock" || path.startsWith("/_mock/")) await handleControl(state, req, res, path);
    else await dispatch(state, req, res, path);
  } catch (error) {
    state.options.logger.error({ err: error, path }, "mock-llm request failed");
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  }
}

// Binds host:port, turning a bind failure into IRON_ERR_TRANSPORT.
async function listen(server: Server, host: string, port: number): Promise<number> {
  try {
    server.listen({ host, port });
    await once(server, "listening");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? "the port is already in use (pick another with --port, or --port 0 for any free one)"
        : code === "EACCES"
          ? "permission denied (ports below 1024 need privileges)"
          : code === "EADDRNOTAVAIL"
            ? "no interface has that address"
            : (error as Error).message;
    throw new IronError("IRON_ERR_TRANSPORT", `mock-llm could not listen on ${host}:${port}: ${why}`, { cause: error });
  }
  return (server.address() as AddressInfo).port;
}

// Aborts running streams and delays, drops open connections, and waits for the close.
async function stop(server: Server, closing: AbortController): Promise<void> {
  closing.abort();
  const done = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await done;
}
