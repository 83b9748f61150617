// The stream's vocabulary: its path, close codes and what a client may ask for.

/** Where the WebSocket is served (the dashboard will live at `/` on the same port). */
export const EVENTS_PATH = "/events";

/** Close codes the server uses (4000–4999 are the application's own). */
export const CLOSE = {
  /** The supervisor is stopping: every event was sent before this. */
  GOING_AWAY: 1001,
  /** The client fell too far behind (its send queue passed the bound); reconnect with `?since=`. */
  TOO_SLOW: 4008,
} as const;

/** What a client asked for in its URL. */
export interface StreamQuery {
  /** Resume after this seq (replay, then live); null: snapshot, then live. */
  readonly since: number | null;
  /** Only events of these agents (events with no agent pass); null: all. */
  readonly agents: ReadonlySet<string> | null;
  /** Only these event types (`llm.*` matches a family); null: all. */
  readonly types: readonly string[] | null;
}

/** Parses `?since=&agent=&type=` (each list comma-separated or repeated); returns an error text when invalid. */
export function parseStreamQuery(params: URLSearchParams): StreamQuery | string {
  const sinceText = params.get("since");
  let since: number | null = null;
  if (sinceText !== null) {
    since = Number(sinceText);
    if (sinceText === "" || !Number.isInteger(since) || since < 0) return `since must be a seq (an integer >= 0), got ${JSON.stringify(sinceText)}`;
  }
  const list = (name: string): string[] | null => {
    const values = params
      .getAll(name)
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter((v) => v !== "");
    return values.length === 0 ? null : values;
  };
  const agents = list("agent");
  const types = list("type");
  for (const type of types ?? []) if (!/^[a-z]+(\.[a-z]+)*(\.\*)?$|^\*$/.test(type)) return `type must be an event type like llm.decision or llm.*, got ${JSON.stringify(type)}`;
  return { since, agents: agents === null ? null : new Set(agents), types };
}

/** True when an event passes a client's filters. */
export function matches(query: StreamQuery, event: { readonly type: string; readonly agentId?: unknown }): boolean {
  if (query.agents !== null && typeof event.agentId === "string" && !query.agents.has(event.agentId)) return false;
  if (query.types === null) return true;
  return query.types.some((t) => t === "*" || t === event.type || (t.endsWith(".*") && event.type.startsWith(t.slice(0, -1))));
}
