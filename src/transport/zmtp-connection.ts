// One peer of the supervisor's ROUTER, on the main thread: the ZMTP 3.x handshake (greeting, then
// READY with a socket type a ROUTER talks to, within a deadline), then single-frame messages in and
// out. Commands are answered (PING → PONG) or ignored; anything malformed closes this connection
// and nothing else. Reading is bounded: a batch of messages per event-loop turn, and the socket is
// paused until the rest is handled, so one busy peer cannot starve the others.
import type { Socket } from "node:net";
import { MAX_MESSAGE_BYTES } from "../protocol/constants.js";
import {
  encodeError,
  FLAG_COMMAND,
  FLAG_MORE,
  GREETING_BYTES,
  checkSignature,
  parseGreeting,
  pongFor,
  readyPeerType,
  SERVER_GREETING,
  SERVER_READY,
  SIGNATURE_BYTES,
  splitCommand,
  ZmtpError,
} from "./zmtp-codec.js";
import { FrameParser } from "./zmtp-parser.js";

/** Commands during the handshake are small (READY metadata); a bigger one is refused unread. */
const MAX_HANDSHAKE_FRAME = 64 * 1024;
/** How long a refused peer has to read our ERROR before its socket is destroyed. */
const ERROR_LINGER_MS = 1000;

/** Limits of one connection. */
export interface ConnectionLimits {
  /** Time from accept to the peer's READY before the connection is dropped. */
  readonly handshakeMs: number;
  /** Messages handled per event-loop turn before the socket is paused to let others run. */
  readonly batch: number;
  /** Unsent bytes queued for the peer beyond which further messages to it are dropped. */
  readonly sendBacklog: number;
}

/** What a connection tells the socket that owns it. */
export interface ConnectionOwner {
  opened(connection: ZmtpConnection): void;
  message(connection: ZmtpConnection, body: Buffer): void;
  /** A multi-part message (frames > 1) or an empty one (frames 0: empty means a notice) was dropped. */
  dropped(connection: ZmtpConnection, frames: number): void;
  /** The peer broke the protocol; `handshake` says whether it had finished the handshake. */
  fault(connection: ZmtpConnection, error: ZmtpError, handshake: boolean): void;
  closed(connection: ZmtpConnection, wasOpen: boolean): void;
}

/** The lifecycle: greeting → ready (waiting for the peer's READY) → open → closed. */
type State = "greeting" | "ready" | "open" | "closed";

/** A ZMTP connection to one DEALER peer. */
export class ZmtpConnection {
  readonly routingId: Buffer;
  readonly peer: string;
  readonly #socket: Socket;
  readonly #owner: ConnectionOwner;
  readonly #limits: ConnectionLimits;
  readonly #parser = new FrameParser(MAX_HANDSHAKE_FRAME);
  #state: State = "greeting";
  #greeting: Buffer = Buffer.alloc(0);
  #timer: NodeJS.Timeout | null;
  /** Parts of the current multi-part message seen so far (0: none). */
  #parts = 0;
  #paused = false;
  #draining = false;
  /** Writes of one tick are corked and go out together (one writev) when it ends. */
  #corked = false;
  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  constructor(socket: Socket, routingId: Buffer, peer: string, owner: ConnectionOwner, limits: ConnectionLimits) {
    this.#socket = socket;
    this.routingId = routingId;
    this.peer = peer;
    this.#owner = owner;
    this.#limits = limits;
    this.#timer = setTimeout(() => this.#fail(new ZmtpError("ERR_ZMTP_HANDSHAKE_TIMEOUT", `no READY within ${limits.handshakeMs} ms`)), limits.handshakeMs).unref();
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", () => undefined); // 'close' follows; the reason is not the peer's to choose
    socket.on("close", () => this.#onClose());
    socket.write(SERVER_GREETING);
  }

  /** True once the handshake is done and until the connection closes. */
  get open(): boolean {
    return this.#state === "open";
  }

  /** Queues bytes for the peer; false (nothing queued) when its backlog is over the limit or it is gone. */
  write(bytes: Buffer): boolean {
    if (this.#state !== "open") return false;
    if (this.#socket.writableLength >= this.#limits.sendBacklog) return false;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.#socket.write(bytes);
    return true;
  }

  /** Closes at once; queued bytes are dropped. */
  destroy(): void {
    this.#socket.destroy();
  }

  // Bytes from the peer: the greeting first, then frames.
  #onData(chunk: Buffer): void {
    if (this.#state === "closed") return;
    if (this.#state === "greeting") {
      const rest = this.#takeGreeting(chunk);
      if (rest === null) return;
      chunk = rest;
    }
    this.#parser.push(chunk);
    this.#drain();
  }

  // Collects the 64-byte greeting, refusing early on a bad signature or version; the bytes after it.
  #takeGreeting(chunk: Buffer): Buffer | null {
    const before = this.#greeting.length;
    this.#greeting = before === 0 ? chunk : Buffer.concat([this.#greeting, chunk]);
    try {
      if (this.#greeting.length < SIGNATURE_BYTES) {
        if (this.#greeting.length > 0 && this.#greeting[0] !== 0xff) checkSignature(this.#greeting);
        return null;
      }
      if (this.#greeting.length < GREETING_BYTES) {
        checkSignature(this.#greeting);
        return null;
      }
      parseGreeting(this.#greeting);
    } catch (error) {
      this.#fail(error);
      return null;
    }
    const rest = this.#greeting.subarray(GREETING_BYTES);
    this.#greeting = Buffer.alloc(0);
    this.#state = "ready";
    this.#socket.write(SERVER_READY);
    return rest;
  }

  // Handles up to one batch of frames; with more waiting, pauses reading and resumes next turn.
  #drain(): void {
    this.#draining = false;
    try {
      for (let handled = 0; handled < this.#limits.batch; handled += 1) {
        const body = this.#parser.next();
        if (body === null) {
          if (this.#paused) {
            this.#paused = false;
            this.#socket.resume();
          }
          return;
        }
        this.#frame(this.#parser.flags, body);
        if (this.#state === "closed") return;
      }
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (!this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
    if (!this.#draining) {
      this.#draining = true;
      setImmediate(() => this.#state !== "closed" && this.#drain());
    }
  }

  // One frame: a command, a part of a multi-part message, or a whole single-frame message.
  #frame(flags: number, body: Buffer): void {
    if ((flags & FLAG_COMMAND) !== 0) {
      if ((flags & FLAG_MORE) !== 0) throw new ZmtpError("ERR_ZMTP_MALFORMED_FRAME", "a command frame with the MORE flag");
      return this.#command(body);
    }
    if (this.#state !== "open") throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", "a message before the READY command");
    if ((flags & FLAG_MORE) !== 0) {
      this.#parts += 1;
      return;
    }
    if (this.#parts > 0 || body.length === 0) {
      const frames = this.#parts > 0 ? this.#parts + 1 : 0;
      this.#parts = 0;
      return this.#owner.dropped(this, frames);
    }
    this.#owner.message(this, body);
  }

  // READY completes the handshake; PING is answered; ERROR ends the connection; others are ignored.
  #command(body: Buffer): void {
    const { name, data } = splitCommand(body);
    if (this.#state === "ready") {
      if (name === "ERROR") throw new ZmtpError("ERR_ZMTP_PEER_ERROR", `the peer refused the handshake: ${data.toString("utf8", 1, 1 + (data[0] ?? 0))}`);
      if (name !== "READY") throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", `expected READY, got ${JSON.stringify(name)}`);
      readyPeerType(data);
      this.#opened();
      return;
    }
    if (name === "PING") this.#socket.write(pongFor(data));
    else if (name === "ERROR") throw new ZmtpError("ERR_ZMTP_PEER_ERROR", `the peer sent ERROR: ${data.toString("utf8", 1, 1 + (data[0] ?? 0))}`);
    else if (name === "READY") throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", "a second READY");
  }

  #opened(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#state = "open";
    this.#parser.maxBody = MAX_MESSAGE_BYTES;
    this.#owner.opened(this);
  }

  // A protocol violation: told to the owner, an ERROR to a peer that speaks ZMTP, then closed.
  #fail(error: unknown): void {
    if (this.#state === "closed") return;
    const zmtp = error instanceof ZmtpError ? error : new ZmtpError("ERR_ZMTP_MALFORMED_FRAME", String(error));
    const wasOpen = this.#state === "open";
    const spoke = this.#state !== "greeting" || zmtp.fault !== "ERR_ZMTP_BAD_SIGNATURE";
    this.#owner.fault(this, zmtp, !wasOpen);
    this.#close(wasOpen);
    if (spoke && zmtp.fault !== "ERR_ZMTP_HANDSHAKE_TIMEOUT") {
      this.#socket.end(encodeError(zmtp.message));
      setTimeout(() => this.#socket.destroy(), ERROR_LINGER_MS).unref();
    } else {
      this.#socket.destroy();
    }
  }

  #onClose(): void {
    if (this.#state === "closed") return;
    this.#close(this.#state === "open");
  }

  // The one place the state becomes closed: the owner hears once, with whether it had been open.
  #close(wasOpen: boolean): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#state = "closed";
    this.#owner.closed(this, wasOpen);
  }
}
