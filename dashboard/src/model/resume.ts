// Where a message stands against the last seq the page applied: the rule that makes a
// resumed stream add nothing twice and lose nothing.

/** What to do with a message. */
export type Placement =
  /** A snapshot: the page starts over from it (its seq becomes the last seq). */
  | "snapshot"
  /** The next event: apply it. */
  | "next"
  /** Already applied (a replay overlapping what the page has): ignore it. */
  | "duplicate"
  /** Events are missing before it: the page cannot trust its state; take a fresh snapshot. */
  | "gap";

/** Places a message after `lastSeq` (null: nothing applied yet, so only a snapshot will do). */
export function place(lastSeq: number | null, message: { readonly type: string; readonly seq: number }): Placement {
  if (message.type === "snapshot") return "snapshot";
  if (lastSeq === null) return "gap";
  if (message.seq <= lastSeq) return "duplicate";
  return message.seq === lastSeq + 1 ? "next" : "gap";
}

/** The stream URL for a (re)connection: with `since` once the page has a seq to resume from. */
export function streamUrl(base: { readonly protocol: string; readonly host: string }, eventsPath: string, token: string, lastSeq: number | null): string {
  const scheme = base.protocol === "https:" ? "wss:" : "ws:";
  const since = lastSeq === null ? "" : `&since=${lastSeq}`;
  return `${scheme}//${base.host}${eventsPath}?token=${encodeURIComponent(token)}${since}`;
}

/** Milliseconds before reconnect attempt `attempt` (0-based): 0.5 s doubling to a cap, slower once the supervisor said it stopped. */
export function reconnectDelay(attempt: number, supervisorStopped: boolean): number {
  if (supervisorStopped) return 5000;
  return Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
}
