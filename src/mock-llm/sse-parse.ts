// Server-sent events in: splits an SSE text into events, so tests (and tools built on the
// mock) read streams the way the SDKs do.

/** One SSE event: its `event:` name (undefined when absent) and its joined `data:` lines. */
export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Parses complete SSE events from a text; an unterminated last event is left out. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const blocks = text.replace(/\r\n?/g, "\n").split("\n\n");
  blocks.pop(); // the part after the last blank line is incomplete (or empty)
  for (const block of blocks) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (event !== undefined || data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return events;
}
