// The live event stream: a node:http server whose `/events` path upgrades to a WebSocket
// (ws in noServer mode, so the dashboard can be served at `/` on the same port). Clients
// present the run's token, get a snapshot (or a replay from `since`), then live events.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { hostname } from "node:os";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { IronError } from "../errors.js";
import type { StateProjection } from "../events/projection.js";
import type { IronEvent } from "../events/types.js";
import type { Logger } from "../telemetry/logger.js";
import { crossOriginRefusal, presentedToken, tokenMatches } from "./auth.js";
import { handleApi, type DashboardBackend } from "./http-api.js";
import { sendError } from "./http-json.js";
import { defaultDashboardDir, serveStatic } from "./static-files.js";
import { History, LazySent, type Sent } from "./history.js";
import { CLOSE, EVENTS_PATH, parseStreamQuery, type StreamQuery } from "./protocol.js";
import type { ResolvedStreamOptions } from "./stream-options.js";
import { StreamClient, type ReplaySource } from "./stream-client.js";

export interface StreamServerDeps {
  /** The state the snapshot is built from; the server applies every event to it first. */
  readonly projection: StateProjection;
  /** Committed events after a seq, for gaps older than the in-memory window (null: none kept). */
  readonly eventsAfter: (after: number, limit: number) => IronEvent[] | null;
  readonly logger: Logger;
  /** The dashboard's API; null serves no dashboard (`/` and `/api/*` answer 404, `/events` works). */
  readonly dashboard: DashboardBackend | null;
  /** Prometheus metrics at `/metrics`; absent or null serves none. */
  readonly metrics?: MetricsEndpoint | null;
}

/** What `/metrics` serves, and the extra token it accepts besides the stream's. */
export interface MetricsEndpoint {
  /** A token only for `/metrics`; null: the stream's token only. */
  readonly token: string | null;
  render(): Promise<{ readonly body: string; readonly contentType: string }>;
}

/** Counters for tests and `iron watch`'s curious users. */
export interface StreamStats {
  readonly clients: number;
  readonly accepted: number;
  readonly refused: number;
  readonly droppedSlow: number;
  readonly droppedDead: number;
}

export class StreamServer {
  readonly #options: ResolvedStreamOptions;
  readonly #deps: StreamServerDeps;
  readonly #http: Server;
  // ws loads with the first client, not while `iron run` starts its agents (bench/profiles/issue14-startup).
  #wss: Promise<WebSocketServer> | null = null;
  readonly #clients = new Set<StreamClient>();
  readonly #history: History;
  readonly #stats = { accepted: 0, refused: 0, droppedSlow: 0, droppedDead: 0 };
  readonly #dashboardDir: string | null;
  #pinger: NodeJS.Timeout | null = null;
  #port = 0;

  private constructor(options: ResolvedStreamOptions, deps: StreamServerDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#history = new History(options.historySize);
    this.#dashboardDir = options.dashboard && deps.dashboard !== null ? (options.dashboardDir ?? defaultDashboardDir()) : null;
    this.#http = createServer((req, res) => this.#request(req, res));
    this.#http.on("upgrade", (req, socket, head) => this.#upgrade(req, socket, head));
  }

  /** Binds and starts serving; throws IRON_ERR_STREAM when the address cannot be used. */
  static async start(options: ResolvedStreamOptions, deps: StreamServerDeps): Promise<StreamServer> {
    const server = new StreamServer(options, deps);
    await new Promise<void>((resolve, reject) => {
      server.#http.once("error", (error) => reject(new IronError("IRON_ERR_STREAM", `cannot serve the event stream on ${options.host}:${options.port}: ${error.message}`, { cause: error })));
      server.#http.listen(options.port, options.host, () => resolve());
    });
    const address = server.#http.address();
    server.#port = typeof address === "object" && address !== null ? address.port : options.port;
    if (!isLoopbackHost(options.host)) {
      deps.logger.warn(
        { host: options.host, port: server.#port },
        "the event stream listens beyond loopback over plain HTTP: its tokens and events cross the network unencrypted; serve it on a trusted network or behind a TLS proxy",
      );
    }
    server.#pinger = setInterval(() => server.#ping(), options.pingIntervalMs);
    server.#pinger.unref();
    return server;
  }

  /** `ws://host:port/events` (no token). */
  get url(): string {
    const host = this.#options.host === "0.0.0.0" || this.#options.host === "::" ? hostname() : this.#options.host;
    return `ws://${host.includes(":") ? `[${host}]` : host}:${this.#port}${EVENTS_PATH}`;
  }

  /** The URL with this run's token, as `iron run` prints it. */
  get urlWithToken(): string {
    return `${this.url}?token=${encodeURIComponent(this.#options.token)}`;
  }

  /** `http://host:port/#token=…`: the dashboard page with the control token in the fragment (never sent to a server); null when off. */
  get dashboardUrl(): string | null {
    return this.#page(this.#options.controlToken);
  }

  /** The dashboard page with the watch token: a link to share that shows everything and controls nothing; null when off. */
  get watchDashboardUrl(): string | null {
    return this.#page(this.#options.token);
  }

  #page(token: string): string | null {
    if (this.#dashboardDir === null) return null;
    return `${this.url.replace(/^ws:/, "http:").slice(0, -EVENTS_PATH.length)}/#token=${encodeURIComponent(token)}`;
  }

  get token(): string {
    return this.#options.token;
  }

  /** The token that may act through /api/actions as well as watch. */
  get controlToken(): string {
    return this.#options.controlToken;
  }

  get stats(): StreamStats {
    return { clients: this.#clients.size, ...this.#stats };
  }

  /** Takes a committed event: into the projection and the window, then out to every client. */
  publish(event: IronEvent): void {
    this.#deps.projection.apply(event);
    const item: Sent = new LazySent(event);
    this.#history.push(item);
    for (const client of this.#clients) client.offer(item);
  }

  // Plain HTTP: the dashboard's page at `/`, its API at `/api/*`; `/events` wants a WebSocket.
  #request(req: IncomingMessage, res: ServerResponse): void {
    let path: string;
    try {
      path = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      return sendError(res, 400, "IRON_ERR_USAGE", "the request's path is not a valid URL path");
    }
    if (path === EVENTS_PATH) return sendError(res, 426, "IRON_ERR_USAGE", "connect with a WebSocket client", { upgrade: "websocket" });
    if (path === METRICS_PATH && this.#deps.metrics != null) return void this.#metrics(req, res, this.#deps.metrics);
    const backend = this.#deps.dashboard;
    if (this.#dashboardDir === null || backend === null) {
      return sendError(res, 404, "IRON_ERR_NOT_FOUND", `nothing at ${path}; the dashboard is off, the event stream is at ${EVENTS_PATH}`);
    }
    if (path === "/api" || path.startsWith("/api/")) {
      void handleApi(req, res, path, { watch: this.#options.token, control: this.#options.controlToken }, backend, this.#deps.logger);
      return;
    }
    serveStatic(req, res, path, this.#dashboardDir);
  }

  // GET /metrics for Prometheus: the stream's token, or the metrics token, as a Bearer header (or ?token=).
  async #metrics(req: IncomingMessage, res: ServerResponse, metrics: MetricsEndpoint): Promise<void> {
    const presented = presentedToken(req, new URL(req.url ?? "/", "http://localhost"));
    if (!tokenMatches(presented, this.#options.token) && !(metrics.token !== null && tokenMatches(presented, metrics.token))) {
      this.#deps.logger.warn({ remote: req.socket.remoteAddress }, "refused a metrics scrape without a valid token");
      return sendError(
        res,
        401,
        "IRON_ERR_AUTH",
        `present the stream's or the metrics token: expected Authorization: Bearer <token>, got ${presented === null ? "no token" : "a token that does not match"}`,
        {
          "www-authenticate": 'Bearer realm="iron"',
        },
      );
    }
    if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "IRON_ERR_USAGE", `expected GET, got ${req.method ?? "no method"}`, { allow: "GET, HEAD" });
    try {
      const { body, contentType } = await metrics.render();
      res.writeHead(200, { "content-type": contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch (error) {
      this.#deps.logger.error({ err: String(error) }, "rendering /metrics failed");
      sendError(res, 500, "IRON_ERR_INTERNAL", "the metrics could not be rendered; see the supervisor's log");
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== EVENTS_PATH) return refuse(socket, 404, "Not Found", `the event stream is at ${EVENTS_PATH}`);
    // A browser always says where the page came from: only the dashboard's own origin may connect (scripts send no Origin).
    const crossOrigin = crossOriginRefusal(req);
    if (crossOrigin !== null) {
      this.#stats.refused += 1;
      return refuse(socket, 403, "Forbidden", `cross-origin WebSocket refused: ${crossOrigin}`);
    }
    const presented = presentedToken(req, url);
    if (!tokenMatches(presented, this.#options.token) && !tokenMatches(presented, this.#options.controlToken)) {
      this.#stats.refused += 1;
      this.#deps.logger.warn({ remote: req.socket.remoteAddress }, "refused a stream client without a valid token");
      return refuse(socket, 401, "Unauthorized", "present the run's token: ?token=… or Authorization: Bearer …", { "www-authenticate": 'Bearer realm="iron"' });
    }
    const query = parseStreamQuery(url.searchParams);
    if (typeof query === "string") return refuse(socket, 400, "Bad Request", query);
    this.#websockets().then(
      (wss) => {
        if (!socket.destroyed) wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, query, socket));
      },
      () => socket.destroy(),
    );
  }

  // The WebSocket server, created (and ws imported) the first time a client upgrades.
  #websockets(): Promise<WebSocketServer> {
    this.#wss ??= import("ws").then(({ WebSocketServer }) => new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 }));
    return this.#wss;
  }

  #accept(ws: WebSocket, query: StreamQuery, socket: Duplex): void {
    this.#stats.accepted += 1;
    const projection = this.#deps.projection;
    const client = new StreamClient(ws, query, this.#options.maxBufferedBytes, query.since ?? projection.seq, () => (this.#stats.droppedSlow += 1), socket);
    this.#clients.add(client);
    ws.on("error", () => undefined);
    ws.on("close", () => {
      client.gone();
      this.#clients.delete(client);
    });
    const snapshot = (): { seq: number; data: string } => ({ seq: projection.seq, data: JSON.stringify(projection.snapshot(query.agents)) });
    if (query.since === null) return client.startFromSnapshot(snapshot().data);
    client.replay(this.#replaySource(), snapshot).catch((error: unknown) => {
      this.#deps.logger.error({ err: String(error) }, "a stream replay failed");
      client.terminate();
    });
  }

  // Recent gaps from the window; older ones from the store, page by page.
  #replaySource(): ReplaySource {
    return {
      lastDelivered: () => this.#deps.projection.seq,
      page: (after, limit) => {
        if (this.#history.covers(after)) return this.#history.after(after, limit);
        const events = this.#deps.eventsAfter(after, limit);
        return events === null ? null : events.map((event) => ({ event, data: JSON.stringify(event) }));
      },
    };
  }

  // Every interval: drop clients that did not answer the last ping, ping the rest.
  #ping(): void {
    for (const client of this.#clients) {
      if (!client.alive) {
        this.#stats.droppedDead += 1;
        client.terminate();
        this.#clients.delete(client);
        continue;
      }
      client.alive = false;
      client.ping();
    }
  }

  /** Says goodbye (1001) to every client after what was already sent, then stops listening. */
  async close(): Promise<void> {
    if (this.#pinger !== null) clearInterval(this.#pinger);
    for (const client of this.#clients) client.close(CLOSE.GOING_AWAY, "supervisor stopped");
    const deadline = Date.now() + 2000;
    while (this.#clients.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const client of this.#clients) client.terminate();
    void this.#wss?.then((wss) => wss.close());
    const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    this.#http.closeAllConnections();
    await closed;
  }
}

/** Where Prometheus scrapes. */
export const METRICS_PATH = "/metrics";

function refuse(socket: Duplex, status: number, text: string, error: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error });
  const lines = [`HTTP/1.1 ${status} ${text}`, "Connection: close", "Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

// True for an address only this machine can reach.
function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
