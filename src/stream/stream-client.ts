// One follower of the stream: gets a snapshot or a replay from `since`, then live events in
// seq order, never one twice; dropped (close 4008) when its send queue passes the bound, so
// a slow reader never holds up the supervisor or the other clients.
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { Sent } from "./history.js";
import { CLOSE, matches, type StreamQuery } from "./protocol.js";

/** Where a client's replay reads committed events from. */
export interface ReplaySource {
  /** The seq of the last event delivered live. */
  lastDelivered(): number;
  /** Up to `limit` events after `after`, or null when they can no longer be had. */
  page(after: number, limit: number): Sent[] | null;
}

const PAGE = 500;

export class StreamClient {
  readonly #ws: WebSocket;
  readonly #query: StreamQuery;
  readonly #maxBuffered: number;
  readonly #onSlow: () => void;
  /** Highest seq sent (or skipped by the filters): nothing at or below it is sent again. */
  #cursor: number;
  #live = false;
  #closed = false;
  alive = true;
  /** The connection under the WebSocket: live events of one tick are corked and leave in one write. */
  readonly #socket: Duplex | null;
  #corked = false;
  readonly #uncork = (): void => {
    if (!this.#corked) return; // flushed early by #send
    this.#corked = false;
    this.#socket?.uncork();
  };

  constructor(ws: WebSocket, query: StreamQuery, maxBuffered: number, cursor: number, onSlow: () => void, socket: Duplex | null = null) {
    this.#ws = ws;
    this.#socket = socket;
    this.#query = query;
    this.#maxBuffered = maxBuffered;
    this.#onSlow = onSlow;
    this.#cursor = cursor;
    ws.on("pong", () => {
      this.alive = true;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a snapshot (the client starts from it) and goes live after its seq. */
  startFromSnapshot(data: string): void {
    this.#send(data);
    this.#live = true;
  }

  /** Replays what the client missed after `since` page by page, at the pace the client reads, then goes live. */
  async replay(source: ReplaySource, fallbackSnapshot: () => { seq: number; data: string }): Promise<void> {
    while (!this.#closed) {
      if (this.#cursor > source.lastDelivered()) {
        // A seq from the future (another state file?): the client's view cannot be trusted.
        const snapshot = fallbackSnapshot();
        this.#cursor = snapshot.seq;
        this.#send(snapshot.data);
        this.#live = true;
        return;
      }
      if (this.#cursor === source.lastDelivered()) {
        this.#live = true; // no await between the check and going live: nothing slips between
        return;
      }
      const page = source.page(this.#cursor, PAGE);
      if (page === null || page.length === 0) {
        // The gap cannot be filled any more: start the client over from a snapshot.
        const snapshot = fallbackSnapshot();
        this.#cursor = snapshot.seq;
        this.#send(snapshot.data);
        this.#live = true;
        return;
      }
      for (const item of page) {
        if (item.event.seq <= this.#cursor) continue;
        this.#cursor = item.event.seq;
        if (!matches(this.#query, item.event)) continue;
        if (this.#closed) return;
        // Replay paces itself: past half the bound, wait until this message has left for the socket.
        if (this.#ws.bufferedAmount < this.#maxBuffered / 2) this.#ws.send(item.data);
        else await new Promise<void>((resolve) => this.#ws.send(item.data, () => resolve()));
      }
    }
  }

  /** Offers a live event; sent when it passes the filters and the client is caught up. */
  offer(item: Sent): void {
    if (!this.#live || this.#closed || item.event.seq <= this.#cursor) return;
    this.#cursor = item.event.seq;
    if (!matches(this.#query, item.event)) return;
    // The store hands over a group commit's events in one turn: one write (and one wake-up of the
    // client) for all of them instead of one per event.
    if (!this.#corked && this.#socket !== null) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.#send(item.data);
  }

  /** Sends, or drops the client when its queue is past the bound; false when dropped. */
  #send(data: string): boolean {
    if (this.#closed) return false;
    this.#ws.send(data);
    if (this.#ws.bufferedAmount <= this.#maxBuffered) return true;
    // What is corked counts as queued: hand it to the kernel first, so only a client that is not
    // reading is dropped, never one that merely got a big batch.
    if (this.#corked) {
      this.#uncork();
      if (this.#ws.bufferedAmount <= this.#maxBuffered) return true;
    }
    this.#onSlow();
    this.close(CLOSE.TOO_SLOW, `too slow: more than ${this.#maxBuffered} bytes waiting; reconnect with ?since=<last seq you got>`);
    return false;
  }

  /** Closes with a code after what is queued; one that never reads it is cut by the ping reaper. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws.close(code, reason);
  }

  /** Pings; the answer (`pong`) marks the client alive. */
  ping(): void {
    if (!this.#closed) this.#ws.ping();
  }

  /** Cuts the connection at once (a dead peer). */
  terminate(): void {
    this.#closed = true;
    this.#ws.terminate();
  }

  /** Marks the client gone (its socket closed from the other side). */
  gone(): void {
    this.#closed = true;
  }
}
