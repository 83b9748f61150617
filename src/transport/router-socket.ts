// The zeromq ROUTER socket, wrapped: one reader loop in, sends out. zeromq.js allows one pending
// receive per socket; sends never wait (sendTimeout 0), so they never pile up behind a slow peer.
import { Router } from "zeromq";
import { IronError } from "../errors.js";
import { MAX_MESSAGE_BYTES } from "../protocol/constants.js";
import { LogThrottle } from "../telemetry/log-throttle.js";
import type { Logger } from "../telemetry/logger.js";
import { monitorSocket } from "./socket-monitor.js";

/** How long a connection may take to finish the ZMTP greeting and READY before libzmq drops it. */
const HANDSHAKE_MS = 10_000;
/** Messages queued per connection before libzmq stops reading from it (ZMQ_RCVHWM). */
const RECEIVE_QUEUE = 1000;
/** ZMQ_ROUTER_NOTIFY (libzmq draft option): an empty message from each peer on connect and on disconnect. */
const ZMQ_ROUTER_NOTIFY = 97;
const NOTIFY_CONNECT_AND_DISCONNECT = 3;

/** One message from a peer; an empty payload is libzmq's notice that the peer connected or left. */
export type FrameHandler = (routingId: Buffer, payload: Buffer) => void;

/** A bound ROUTER socket delivering single-frame messages from DEALER peers. */
export class RouterSocket {
  readonly #socket: Router;
  readonly #logger: Logger;
  readonly #throttle: LogThrottle;
  #closed = false;
  #reader: Promise<void> | null = null;
  readonly endpoints: string[] = [];

  private constructor(socket: Router, logger: Logger) {
    this.#socket = socket;
    this.#logger = logger;
    this.#throttle = new LogThrottle(logger);
  }

  /** Binds every endpoint (ipc:// or tcp://) and starts reading. */
  static async bind(endpoints: readonly string[], onFrame: FrameHandler, logger: Logger): Promise<RouterSocket> {
    // sendTimeout 0: a send completes at once or fails (EAGAIN: the peer's queue is full because it
    // stopped reading; EHOSTUNREACH: it left) — one stuck peer can never delay another's decisions.
    // maxMessageSize: libzmq drops a connection that sends a bigger message (SPEC 1, 16 MiB).
    // receiveHighWaterMark bounds what one connection can queue; the notifications let the server
    // bind a session to its connection (an empty payload, which no protocol message ever is).
    const socket = new Router({ linger: 0, maxMessageSize: MAX_MESSAGE_BYTES, receiveHighWaterMark: RECEIVE_QUEUE, mandatory: true, sendTimeout: 0, handover: false, handshakeInterval: HANDSHAKE_MS });
    try {
      (socket as unknown as { setInt32Option(option: number, value: number): void }).setInt32Option(ZMQ_ROUTER_NOTIFY, NOTIFY_CONNECT_AND_DISCONNECT);
    } catch (cause) {
      socket.close();
      throw new IronError("IRON_ERR_TRANSPORT", "this libzmq cannot report connects and disconnects (ZMQ_ROUTER_NOTIFY), so sessions cannot be bound to connections", { cause });
    }
    const router = new RouterSocket(socket, logger);
    monitorSocket(socket, logger, router.#throttle);
    try {
      for (const endpoint of endpoints) {
        await socket.bind(endpoint);
        router.endpoints.push(socket.lastEndpoint ?? endpoint);
      }
    } catch (cause) {
      socket.close();
      throw new IronError("IRON_ERR_TRANSPORT", `cannot bind ${endpoints.join(", ")}`, { cause });
    }
    router.#reader = router.#read(onFrame);
    return router;
  }

  // The single reader loop: malformed envelopes are dropped with a logged reason.
  async #read(onFrame: FrameHandler): Promise<void> {
    while (!this.#closed) {
      let frames: Buffer[];
      try {
        frames = await this.#socket.receive();
      } catch (error) {
        if (this.#closed) return;
        this.#logger.error({ err: error }, "router receive failed");
        continue;
      }
      const [routingId, payload] = frames;
      if (frames.length !== 2 || routingId === undefined || payload === undefined) {
        this.#throttle.warn({ frames: frames.length }, "dropped a message: expected exactly one frame from a DEALER peer");
        continue;
      }
      onFrame(routingId, payload);
    }
  }

  /** Sends a message to a peer now; a failure (peer gone, or not reading) is logged, never thrown. */
  send(routingId: Buffer, payload: Uint8Array): void {
    if (this.#closed) return;
    this.#socket.send([routingId, payload]).catch((error: unknown) => this.#dropped(error, payload.byteLength));
  }

  // Why a reply could not be sent: the peer left (normal at exit) or let its queue fill up.
  #dropped(error: unknown, bytes: number): void {
    if (this.#closed) return;
    const code = (error as { code?: unknown }).code;
    if (code === "EAGAIN") this.#throttle.warn({ bytes }, "dropped a reply: the peer is not reading (its queue is full)");
    else this.#logger.debug({ err: error, bytes }, "dropped a reply: the peer has left");
  }

  /** Closes the socket at once (linger 0); pending sends are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close();
    await this.#reader?.catch(() => undefined);
  }
}
