// The zeromq ROUTER socket, wrapped: one reader loop in, one send queue out (zeromq.js
// allows only one pending receive and one pending send per socket).
import { Router } from "zeromq";
import { IronError } from "../errors.js";
import { MAX_MESSAGE_BYTES } from "../protocol/constants.js";
import type { Logger } from "../telemetry/logger.js";

export type FrameHandler = (routingId: Buffer, payload: Buffer) => void;

interface Outgoing {
  readonly routingId: Buffer;
  readonly payload: Uint8Array;
}

/** A bound ROUTER socket delivering single-frame messages from DEALER peers. */
export class RouterSocket {
  readonly #socket: Router;
  readonly #logger: Logger;
  readonly #queue: Outgoing[] = [];
  #sending = false;
  #closed = false;
  #reader: Promise<void> | null = null;
  readonly endpoints: string[] = [];

  private constructor(socket: Router, logger: Logger) {
    this.#socket = socket;
    this.#logger = logger;
  }

  /** Binds every endpoint (ipc:// or tcp://) and starts reading. */
  static async bind(endpoints: readonly string[], onFrame: FrameHandler, logger: Logger): Promise<RouterSocket> {
    const socket = new Router({ linger: 0, maxMessageSize: MAX_MESSAGE_BYTES, mandatory: true, sendTimeout: 2000, handover: false });
    const router = new RouterSocket(socket, logger);
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
        this.#logger.warn({ frames: frames.length }, "dropped a message: expected exactly one frame from a DEALER peer");
        continue;
      }
      onFrame(routingId, payload);
    }
  }

  /** Queues a message to a peer; sends are serialised and never throw to the caller. */
  send(routingId: Buffer, payload: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push({ routingId, payload });
    if (!this.#sending) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    while (this.#queue.length > 0 && !this.#closed) {
      const item = this.#queue.shift() as Outgoing;
      try {
        await this.#socket.send([item.routingId, item.payload]);
      } catch (error) {
        // EHOSTUNREACH: the peer left between its request and our answer.
        this.#logger.debug({ err: error }, "router send dropped");
      }
    }
    this.#sending = false;
  }

  /** Closes the socket at once (linger 0); pending sends are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.#socket.close();
    await this.#reader?.catch(() => undefined);
  }
}
