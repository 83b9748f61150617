// Server-sent events out: frames `event:`/`data:` lines, paces them (chunk delay), and cuts
// the connection after N events when a drop-after fault asks for it.
import type { ServerResponse } from "node:http";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";

/** How a stream is paced and cut. */
export interface SseOptions {
  readonly chunkDelayMs: number;
  readonly dropAfter: number | undefined;
  readonly signal: AbortSignal;
}

/** Writes one SSE stream; every write resolves false once the stream was dropped or closed. */
export class SseWriter {
  readonly #res: ServerResponse;
  readonly #options: SseOptions;
  #sent = 0;
  #dead = false;

  constructor(res: ServerResponse, options: SseOptions) {
    this.#res = res;
    this.#options = options;
  }

  /** Events written so far. */
  get sent(): number {
    return this.#sent;
  }

  /** `data: <json>` (OpenAI chat and completions chunks). */
  data(payload: unknown): Promise<boolean> {
    return this.#write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** `data: <json>` with CRLF line ends (Gemini's streamGenerateContent?alt=sse). */
  crlfData(payload: unknown): Promise<boolean> {
    return this.#write(`data: ${JSON.stringify(payload)}\r\n\r\n`);
  }

  /** `event: <type>` + `data: <json>` (Responses API and Anthropic events). */
  event(type: string, payload: unknown): Promise<boolean> {
    return this.#write(`event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  /** One NDJSON line `<json>\n` (Ollama's streams, framed like events for pacing and drops). */
  line(payload: unknown): Promise<boolean> {
    return this.#write(`${JSON.stringify(payload)}\n`);
  }

  /** Bytes as they are (Bedrock's binary event-stream frames), paced and cut like events. */
  raw(frame: Buffer): Promise<boolean> {
    return this.#write(frame);
  }

  /** The OpenAI end-of-stream marker `data: [DONE]`. */
  done(): Promise<boolean> {
    return this.#write("data: [DONE]\n\n");
  }

  /** Ends the stream, or cuts it when exactly `dropAfter` events went out. */
  end(): void {
    if (this.#dead) return;
    if (this.#options.dropAfter !== undefined && this.#sent >= this.#options.dropAfter) this.#drop();
    else this.#res.end();
  }

  // Cuts the connection mid-stream: the events already written are flushed, then the socket
  // closes without the chunked terminator, so the client sees a truncated body.
  #drop(): void {
    this.#dead = true;
    const socket = this.#res.socket;
    if (socket === null) return void this.#res.destroy();
    socket.end(() => socket.destroy());
  }

  // Paces, honours drop-after and back-pressure, and stops quietly once the peer is gone.
  async #write(frame: string | Buffer): Promise<boolean> {
    if (this.#dead || this.#res.destroyed || this.#options.signal.aborted) return false;
    if (this.#options.dropAfter !== undefined && this.#sent >= this.#options.dropAfter) {
      this.#drop();
      return false;
    }
    if (this.#sent > 0 && this.#options.chunkDelayMs > 0) {
      try {
        await sleep(this.#options.chunkDelayMs, undefined, { signal: this.#options.signal });
      } catch {
        return false;
      }
      if (this.#res.destroyed) return false;
    }
    this.#sent += 1;
    if (!this.#res.write(frame)) await this.#drained();
    return !this.#res.destroyed;
  }

  // Waits for 'drain' (or 'close'), removing the listener that did not fire.
  async #drained(): Promise<void> {
    const stop = new AbortController();
    try {
      await Promise.race([once(this.#res, "drain", { signal: stop.signal }), once(this.#res, "close", { signal: stop.signal })]);
    } finally {
      stop.abort();
    }
  }
}
