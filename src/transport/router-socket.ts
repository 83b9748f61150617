// The supervisor's ROUTER: a ZMTP 3.x server on Node's own sockets (ipc:// unix sockets, tcp://,
// tls:// — a TLS server whose decrypted sockets run the same ZMTP code),
// read and written on the main thread, so a decision pays no hand-off to libzmq's I/O threads.
// Every connection gets a routing id chosen here (the peer's Identity is ignored, so no peer can
// take another's), and an empty message on connect and on disconnect (what ZMQ_ROUTER_NOTIFY gave):
// sessions are bound to connections. Sends never wait: a peer that stops reading loses its replies.
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { IronError } from "../errors.js";
import { LogThrottle } from "../telemetry/log-throttle.js";
import type { Logger } from "../telemetry/logger.js";
import { encodeFrame, type ZmtpError } from "./zmtp-codec.js";
import { type ConnectionLimits, type ConnectionOwner, ZmtpConnection } from "./zmtp-connection.js";
import { listenOn, parseEndpoint } from "./zmtp-endpoint.js";

/** One message from a peer; an empty payload is the notice that the peer connected or left. */
export type FrameHandler = (routingId: Buffer, payload: Buffer) => void;

/** Limits of the socket; the defaults are what the zeromq options gave. */
export interface RouterOptions extends Partial<ConnectionLimits> {
  /** Connections held at once, handshaking or not; more are closed on accept (default 4096). */
  readonly maxConnections?: number;
  /** Certificate and key for tls:// endpoints (required when one is bound). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

const DEFAULTS = {
  /** A connection has 10 s to finish the greeting and READY (libzmq's handshake interval). */
  handshakeMs: 10_000,
  /** Messages handled per connection per event-loop turn before its reading pauses. */
  batch: 256,
  /** Unsent bytes per peer before replies to it are dropped (in place of libzmq's send high-water mark). */
  sendBacklog: 1024 * 1024,
  maxConnections: 4096,
};
const NOTICE = Buffer.alloc(0);

/** A bound ROUTER delivering single-frame messages from DEALER peers. */
export class RouterSocket implements ConnectionOwner {
  readonly #onFrame: FrameHandler;
  readonly #logger: Logger;
  readonly #throttle: LogThrottle;
  readonly #limits: ConnectionLimits & Omit<RouterOptions, "maxConnections"> & { readonly maxConnections: number };
  readonly #servers: Server[] = [];
  /** Connections by the number in their routing id. */
  readonly #connections = new Map<number, ZmtpConnection>();
  #nextId = 1;
  #closed = false;
  readonly endpoints: string[] = [];

  private constructor(onFrame: FrameHandler, logger: Logger, options: RouterOptions) {
    this.#onFrame = onFrame;
    this.#logger = logger;
    this.#throttle = new LogThrottle(logger);
    this.#limits = { ...DEFAULTS, ...options };
  }

  /** Binds every endpoint (ipc:// or tcp://) and starts accepting. */
  static async bind(endpoints: readonly string[], onFrame: FrameHandler, logger: Logger, options: RouterOptions = {}): Promise<RouterSocket> {
    const router = new RouterSocket(onFrame, logger, options);
    try {
      for (const endpoint of endpoints) {
        const target = parseEndpoint(endpoint);
        const server = target.kind === "tls" ? router.#tlsServer(endpoint) : createServer({ noDelay: true }, (socket) => router.#accept(socket, endpoint));
        router.#servers.push(server);
        router.endpoints.push(await listenOn(server, target));
      }
    } catch (cause) {
      await router.close();
      throw cause instanceof IronError ? cause : new IronError("IRON_ERR_TRANSPORT", `cannot bind ${endpoints.join(", ")}`, { cause });
    }
    return router;
  }

  // TLS in front of ZMTP: a socket is accepted once its TLS handshake is done; failed handshakes are logged, throttled.
  #tlsServer(endpoint: string): Server {
    const tls = this.#limits.tls;
    if (tls === undefined) throw new IronError("IRON_ERR_TRANSPORT", `cannot bind ${endpoint}: no TLS certificate was given`, { expected: "a certificate and key (RouterOptions.tls)", got: "none" });
    const server = createTlsServer({ cert: tls.cert, key: tls.key, minVersion: "TLSv1.2", handshakeTimeout: this.#limits.handshakeMs }, (socket) => {
      socket.setNoDelay(true);
      this.#accept(socket, endpoint);
    });
    server.maxConnections = this.#limits.maxConnections;
    server.on("tlsClientError", (error, socket) => {
      this.#throttle.warn({ endpoint, peer: `${socket.remoteAddress}:${socket.remotePort}`, detail: error.message }, "a peer failed the TLS handshake");
      socket.destroy();
    });
    return server;
  }

  // A new connection: a routing id of our own, or closed at once when too many are open.
  #accept(socket: Socket, endpoint: string): void {
    if (this.#closed || this.#connections.size >= this.#limits.maxConnections) {
      socket.destroy();
      this.#throttle.warn({ endpoint, max: this.#limits.maxConnections }, "closed a new connection: too many connections are open");
      return;
    }
    let id = this.#nextId;
    while (this.#connections.has(id)) id = (id + 1) >>> 0 || 1;
    this.#nextId = (id + 1) >>> 0 || 1;
    const routingId = Buffer.allocUnsafe(5);
    routingId[0] = 0;
    routingId.writeUInt32BE(id, 1);
    const peer = socket.remoteAddress === undefined ? endpoint : `${socket.remoteAddress}:${socket.remotePort}`;
    this.#connections.set(id, new ZmtpConnection(socket, routingId, peer, this, this.#limits));
    this.#logger.debug({ endpoint, peer }, "a peer connected");
  }

  /** The handshake is done: the connect notice. */
  opened(connection: ZmtpConnection): void {
    this.#onFrame(connection.routingId, NOTICE);
  }

  message(connection: ZmtpConnection, body: Buffer): void {
    this.#onFrame(connection.routingId, body);
  }

  dropped(_connection: ZmtpConnection, frames: number): void {
    if (frames === 0) this.#throttle.warn({}, "dropped an empty message: empty messages are the socket's own connection notices");
    else this.#throttle.warn({ frames }, "dropped a message: expected exactly one frame from a DEALER peer");
  }

  fault(connection: ZmtpConnection, error: ZmtpError, handshake: boolean): void {
    const fields = { peer: connection.peer, reason: error.fault, detail: error.message };
    if (handshake) this.#throttle.warn(fields, "a peer failed the ZMTP handshake");
    else this.#throttle.warn(fields, "closed a connection that broke the ZMTP framing");
  }

  /** The disconnect notice, for connections that had been announced. */
  closed(connection: ZmtpConnection, wasOpen: boolean): void {
    this.#connections.delete(connection.routingId.readUInt32BE(1));
    if (!this.#closed) this.#logger.debug({ peer: connection.peer }, "a peer disconnected");
    if (wasOpen && !this.#closed) this.#onFrame(connection.routingId, NOTICE);
  }

  /** Sends a message to a peer now; a failure (peer gone, or not reading) is logged, never thrown. */
  send(routingId: Buffer, payload: Uint8Array): void {
    if (this.#closed) return;
    const connection = routingId.length === 5 ? this.#connections.get(routingId.readUInt32BE(1)) : undefined;
    if (connection === undefined || !connection.open) {
      this.#logger.debug({ bytes: payload.byteLength }, "dropped a reply: the peer has left");
      return;
    }
    if (!connection.write(encodeFrame(payload))) this.#throttle.warn({ bytes: payload.byteLength }, "dropped a reply: the peer is not reading (its queue is full)");
  }

  /** Closes one peer's connection now (a muted peer); its disconnect notice follows as for any other. */
  disconnect(routingId: Buffer): void {
    const connection = routingId.length === 5 ? this.#connections.get(routingId.readUInt32BE(1)) : undefined;
    connection?.destroy();
  }

  /** Stops accepting and closes every connection at once; unsent replies are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stopped = this.#servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));
    for (const connection of this.#connections.values()) connection.destroy();
    this.#connections.clear();
    await Promise.all(stopped);
  }
}
