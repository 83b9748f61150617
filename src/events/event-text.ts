// A committed event's JSON text, made once: the store writes it as the row's `data` and the
// stream sends the same string to its clients (instead of serializing every event twice).
import type { IronEvent } from "./types.js";

// Keyed by the event object itself: a text lives exactly as long as its event.
const texts = new WeakMap<IronEvent, string>();

/** The event as JSON (what the store keeps and the stream sends), serialized on first use. */
export function eventText(event: IronEvent): string {
  let text = texts.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    texts.set(event, text);
  }
  return text;
}
