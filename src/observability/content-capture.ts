// Prompt and completion content for spans, only when the user opted in: the request body as it
// went to the provider (after the safety policy's redaction) and the text the agent received,
// both scrubbed of secrets like the dashboard's call details. Scrubbing happens when the span
// is made, after the decision has gone out; nothing raw ever leaves iron.
import type { Scrubber } from "../events/scrub.js";
import type { CallObserver } from "../stream/call-details.js";
import type { RequestMeta } from "../stream/dashboard-types.js";
import { capText, capValue, scrubForDisplay, scrubValueForDisplay } from "../stream/display-scrub.js";

interface Held {
  body: unknown;
  text: string | null;
  streamed: string;
}

/** The GenAI content attributes of one call. */
export interface CapturedContent {
  readonly "gen_ai.input.messages"?: string;
  readonly "gen_ai.output.messages"?: string;
}

export class ContentCapture implements CallObserver {
  readonly #held = new Map<string, Held>();
  readonly #scrubber: Scrubber;
  readonly #max: number;

  constructor(scrubber: Scrubber, max = 1000) {
    this.#scrubber = scrubber;
    this.#max = max;
  }

  request(callId: string, _agentId: string, body: unknown, meta: RequestMeta): void {
    if (!meta.sent) return;
    if (this.#held.size >= this.#max) this.#held.delete(this.#held.keys().next().value as string);
    this.#held.set(callId, { body, text: null, streamed: "" });
  }

  streamText(callId: string, text: string): void {
    const held = this.#held.get(callId);
    if (held !== undefined && held.streamed.length < 64 * 1024) held.streamed += text;
  }

  response(callId: string, _status: number | null, text: string | null): void {
    const held = this.#held.get(callId);
    if (held !== undefined) held.text = text;
  }

  /** The call's content as span attributes (scrubbed now), forgetting it. */
  take(callId: string): CapturedContent {
    const held = this.#held.get(callId);
    if (held === undefined) return {};
    this.#held.delete(callId);
    const body = held.body as { messages?: unknown; input?: unknown; prompt?: unknown; system?: unknown } | null;
    const messages = body === null || typeof body !== "object" ? body : (body.messages ?? body.input ?? body.prompt ?? body);
    const text = held.text ?? (held.streamed === "" ? null : held.streamed);
    return {
      "gen_ai.input.messages": JSON.stringify(capValue(scrubValueForDisplay(messages, this.#scrubber))),
      ...(text !== null && { "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: capText(scrubForDisplay(text, this.#scrubber)) }] }]) }),
    };
  }
}

/** One observer that hands everything to each of the given ones (null when there are none). */
export function observers(...list: readonly (CallObserver | null)[]): CallObserver | null {
  const all = list.filter((o): o is CallObserver => o !== null);
  if (all.length <= 1) return all[0] ?? null;
  return {
    request: (...args) => {
      for (const o of all) o.request(...args);
    },
    streamText: (...args) => {
      for (const o of all) o.streamText(...args);
    },
    response: (...args) => {
      for (const o of all) o.response(...args);
    },
  };
}
