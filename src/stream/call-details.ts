// What a dashboard's detail view of one call shows: every committed event of the call, and —
// for recent calls of a live supervisor only — the request body the provider got (after the
// policies' changes) and the text the agent got (after output redaction). Bodies are held as
// they were in a bounded ring in memory, scrubbed for display and capped only when a dashboard
// asks for the call (most calls are never looked at), and never written to the store or the
// stream. Headers are never kept.
import type { Scrubber } from "../events/scrub.js";
import type { IronEvent } from "../events/types.js";
import type { CallDetail, RequestMeta, ResponseView } from "./dashboard-types.js";
import { capText, capValue, scrubForDisplay, scrubValueForDisplay } from "./display-scrub.js";

/** What the call governor tells the detail ring (the seam between governing and showing). */
export interface CallObserver {
  /** The body that went to the provider (or, `sent: false`, the one a policy refused). */
  request(callId: string, agentId: string, body: unknown, meta: RequestMeta): void;
  /** A streamed text delta as the agent received it (after the stream filters). */
  streamText(callId: string, text: string): void;
  /**
   * The response as the agent received it: `text` is its output (null when it got none);
   * for a stream the text deltas kept so far (as filtered) are shown instead, when there are any.
   */
  response(callId: string, status: number | null, text: string | null, action: string, streamed: boolean): void;
}

interface Entry {
  agentId: string;
  events: IronEvent[];
  request: unknown;
  requestMeta: RequestMeta | null;
  /** Set while the request body and URL are kept as they came: scrubbed when the detail is asked for. */
  rawRequest: { readonly body: unknown; readonly meta: RequestMeta } | null;
  streamed: string;
  response: ResponseView | null;
  /** True while the response text is kept as the agent got it: scrubbed when the detail is asked for. */
  rawResponse: boolean;
  /** Bytes of the kept bodies, for the ring's total bound. */
  bytes: number;
}

/** Events kept per call (a call has a handful; a pathological one cannot grow the ring). */
const MAX_EVENTS_PER_CALL = 200;

/** The most body bytes the whole ring keeps: the oldest calls' entries go first past it. */
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/** The ring of the last `size` calls' events and scrubbed bodies. */
export class CallDetails implements CallObserver {
  readonly #scrubber: Scrubber;
  readonly #size: number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  /** Bodies and texts handed in by the governor, scrubbed and kept once the decision has gone out. */
  readonly #pending: (() => void)[] = [];
  #scheduled = false;

  constructor(scrubber: Scrubber, size = 1000) {
    this.#scrubber = scrubber;
    this.#size = size;
  }

  #entry(callId: string, agentId: string): Entry {
    let entry = this.#entries.get(callId);
    if (entry === undefined) {
      entry = { agentId, events: [], request: null, requestMeta: null, rawRequest: null, streamed: "", response: null, rawResponse: false, bytes: 0 };
      this.#entries.set(callId, entry);
      if (this.#entries.size > this.#size) this.#evictOldest();
    }
    return entry;
  }

  #evictOldest(): void {
    const [callId, entry] = this.#entries.entries().next().value as [string, Entry];
    this.#entries.delete(callId);
    this.#bytes -= entry.bytes;
  }

  // Counts a body's bytes against the total; the oldest calls go (never the one being kept) until it fits.
  #account(entry: Entry, bytes: number): void {
    entry.bytes += bytes;
    this.#bytes += bytes;
    while (this.#bytes > MAX_TOTAL_BYTES && this.#entries.size > 1) {
      const oldest = this.#entries.values().next().value as Entry;
      if (oldest === entry) break;
      this.#evictOldest();
    }
  }

  /** Takes a committed event; those of a call are kept with it. */
  noteEvent(event: IronEvent): void {
    const callId = (event as { callId?: unknown }).callId;
    const agentId = (event as { agentId?: unknown }).agentId;
    if (typeof callId !== "string" || typeof agentId !== "string") return;
    this.#later(() => {
      const entry = this.#entry(callId, agentId);
      if (entry.events.length < MAX_EVENTS_PER_CALL) entry.events.push(event);
    });
  }

  // The governor calls these on the decision path: they only queue (events too, so every change
  // applies in the order it was made). Scrubbing a body walks every
  // string of it with every detector (tens of µs for a short chat, more as a conversation grows),
  // so it runs on a later turn of the event loop, after the decision was sent; a detail asked for
  // before then is completed first.
  #later(work: () => void): void {
    this.#pending.push(work);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    for (const work of this.#pending.splice(0)) work();
  }

  request(callId: string, agentId: string, body: unknown, meta: RequestMeta): void {
    this.#later(() => this.#keepRequest(callId, agentId, body, meta));
  }

  // Keeps the body as it is (its size counts against the ring's bound); scrubbing waits for a reader.
  #keepRequest(callId: string, agentId: string, body: unknown, meta: RequestMeta): void {
    const entry = this.#entry(callId, agentId);
    entry.rawRequest = { body, meta };
    this.#account(entry, Buffer.byteLength(JSON.stringify(body) ?? ""));
  }

  // Scrubs and caps what a reader is about to see, once per call.
  #scrubKept(entry: Entry): void {
    if (entry.rawRequest !== null) {
      const { body, meta } = entry.rawRequest;
      entry.rawRequest = null;
      entry.request = capValue(scrubValueForDisplay(body, this.#scrubber));
      // URLs only lose credentials (a key in the query): their hosts and addresses are not personal data.
      entry.requestMeta = { ...meta, url: this.#scrubber.text(meta.url) };
    }
    if (entry.rawResponse && entry.response !== null) {
      entry.rawResponse = false;
      const text = entry.response.text;
      entry.response = { ...entry.response, text: text === null ? null : capText(scrubForDisplay(text, this.#scrubber)) };
    }
  }

  streamText(callId: string, text: string): void {
    this.#later(() => {
      const entry = this.#entries.get(callId);
      if (entry !== undefined && entry.streamed.length < 2 * 64 * 1024) entry.streamed += text;
    });
  }

  response(callId: string, status: number | null, text: string | null, action: string, streamed: boolean): void {
    this.#later(() => this.#keepResponse(callId, status, text, action, streamed));
  }

  #keepResponse(callId: string, status: number | null, text: string | null, action: string, streamed: boolean): void {
    const entry = this.#entries.get(callId);
    if (entry === undefined) return;
    const shown = text !== null && streamed && entry.streamed !== "" ? entry.streamed : text;
    entry.streamed = "";
    entry.response = { status, text: shown, action };
    entry.rawResponse = true;
    this.#account(entry, shown === null ? 0 : Buffer.byteLength(shown));
  }

  /** The detail of a call still in the ring, or null. */
  get(callId: string): CallDetail | null {
    this.#drain();
    const entry = this.#entries.get(callId);
    if (entry === undefined) return null;
    this.#scrubKept(entry);
    return {
      callId,
      agentId: entry.agentId,
      events: [...entry.events].sort((a, b) => a.seq - b.seq),
      request: entry.request,
      requestMeta: entry.requestMeta,
      response: entry.response,
      bodies: entry.requestMeta === null && entry.response === null ? "not kept" : "kept",
    };
  }

  /** True when the ring holds every event of the call since its first (it was seen from its start). */
  hasFullHistory(callId: string): boolean {
    this.#drain();
    return this.#entries.get(callId)?.events.some((e) => e.type === "llm.request") ?? false;
  }
}

/** A detail built from stored events alone (state mode, or a call that left the ring). */
export function detailFromEvents(callId: string, events: readonly IronEvent[]): CallDetail | null {
  const first = events.find((e) => typeof (e as { agentId?: unknown }).agentId === "string");
  if (first === undefined) return null;
  return { callId, agentId: (first as { agentId: string }).agentId, events, request: null, requestMeta: null, response: null, bodies: "not kept" };
}
