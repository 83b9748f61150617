// The client side of the stream for `iron watch`: connects with the token, hands over the
// snapshot and the events, and reconnects with `?since=` (no gap, no duplicate) when it was
// dropped as too slow or the connection broke, until the supervisor says goodbye.
import WebSocket from "ws";
import { IronError } from "../../errors.js";
import type { Snapshot } from "../../events/projection.js";
import type { IronEvent } from "../../events/types.js";
import { CLOSE } from "../../stream/protocol.js";

export interface WatchTarget {
  /** `ws://host:port/events`, without the token. */
  readonly url: string;
  readonly token: string;
  readonly agents: readonly string[];
  readonly types: readonly string[];
  /** Start after this seq instead of from a snapshot. */
  readonly since: number | null;
}

export interface WatchHandlers {
  onSnapshot(snapshot: Snapshot, raw: string): void;
  onEvent(event: IronEvent, raw: string): void;
  /** A reconnect is under way (why), for the view's status line. */
  onReconnecting?(reason: string): void;
}

/** How long to keep trying after a connection broke, before giving up. */
const RECONNECT_FOR_MS = 10_000;

/** Follows the stream until the supervisor stops or `signal` aborts (resolves), or it cannot be reached (rejects). */
export async function followStream(target: WatchTarget, handlers: WatchHandlers, signal?: AbortSignal): Promise<void> {
  let since = target.since;
  let connectedOnce = false;
  let brokenSince: number | null = null;
  let delay = 100;
  while (signal?.aborted !== true) {
    const outcome = await connectOnce(target, since, handlers, signal, {
      opened: () => {
        connectedOnce = true;
        brokenSince = null;
        delay = 100;
      },
      progressed: (seq) => {
        since = seq;
      },
    });
    if (outcome.kind === "done") return;
    if (outcome.kind === "fatal") throw outcome.error;
    // Dropped as too slow: resume at once after the last seq we got.
    if (outcome.kind === "slow") {
      handlers.onReconnecting?.("dropped as too slow; resuming");
      continue;
    }
    if (!connectedOnce) throw outcome.error;
    brokenSince ??= Date.now();
    if (Date.now() - brokenSince > RECONNECT_FOR_MS) throw new IronError("IRON_ERR_STREAM", `lost the event stream at ${target.url}: ${outcome.error.message}`, { cause: outcome.error });
    handlers.onReconnecting?.(`connection lost (${outcome.error.message}); reconnecting`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

type Outcome = { kind: "done" } | { kind: "slow" } | { kind: "broken"; error: Error } | { kind: "fatal"; error: IronError };

function streamUrl(target: WatchTarget, since: number | null): string {
  const url = new URL(target.url);
  if (since !== null) url.searchParams.set("since", String(since));
  if (target.agents.length > 0) url.searchParams.set("agent", target.agents.join(","));
  if (target.types.length > 0) url.searchParams.set("type", target.types.join(","));
  return url.toString();
}

// One connection: resolves with how it ended; every message updates the resume point.
function connectOnce(
  target: WatchTarget,
  since: number | null,
  handlers: WatchHandlers,
  signal: AbortSignal | undefined,
  track: { opened: () => void; progressed: (seq: number) => void },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(streamUrl(target, since), { headers: { authorization: `Bearer ${target.token}` } });
    let settled = false;
    const onAbort = (): void => {
      ws.terminate();
      settle({ kind: "done" });
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    ws.on("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      const error =
        status === 401
          ? new IronError("IRON_ERR_AUTH", `the event stream at ${target.url} refused the token (HTTP 401)`)
          : new IronError("IRON_ERR_STREAM", `the event stream at ${target.url} answered HTTP ${status}`);
      res.resume();
      ws.terminate();
      settle({ kind: "fatal", error });
    });
    ws.on("open", () => track.opened());
    ws.on("message", (data) => {
      const raw = String(data);
      let message: { type?: unknown; seq?: unknown };
      try {
        message = JSON.parse(raw) as { type?: unknown; seq?: unknown };
      } catch {
        return;
      }
      if (typeof message.seq !== "number") return;
      if (message.type === "snapshot") handlers.onSnapshot(message as unknown as Snapshot, raw);
      else handlers.onEvent(message as unknown as IronEvent, raw);
      track.progressed(message.seq);
    });
    ws.on("error", (error) => settle({ kind: "broken", error: new IronError("IRON_ERR_STREAM", `cannot follow the event stream at ${target.url}: ${error.message}`, { cause: error }) }));
    ws.on("close", (code, reason) => {
      if (code === CLOSE.GOING_AWAY) return settle({ kind: "done" });
      if (code === CLOSE.TOO_SLOW) return settle({ kind: "slow" });
      settle({ kind: "broken", error: new IronError("IRON_ERR_STREAM", `the event stream closed (${code}${reason.length > 0 ? ` ${String(reason)}` : ""})`) });
    });
  });
}
