// The page's WebSocket to the supervisor: connects, feeds every message to the dashboard
// state, and after a drop reconnects with backoff from the last seq applied (`?since=`), so
// nothing is lost or shown twice. A gap takes a fresh snapshot; 1001 means the supervisor
// stopped (retried slowly, so one restarted on the same port is picked up); 4008 means the
// page fell behind (resumed at once).
import type { DashboardState } from "../model/dashboard-state.js";
import { parseMessage } from "../model/messages.js";
import { reconnectDelay, streamUrl } from "../model/resume.js";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "stopped" | "unauthorized";

export interface ConnectionOptions {
  readonly token: string;
  readonly eventsPath: string;
  readonly state: DashboardState;
  /** Build the state from every event (`?since=0`) rather than a snapshot: for a state file, whose history is the point. */
  readonly replayHistory: boolean;
  /** The state changed (called at most once per animation frame). */
  readonly onChange: () => void;
  readonly onStatus: (status: ConnectionStatus, detail: string) => void;
  /** Asked after repeated failures: does the token still open the API? */
  readonly tokenAccepted: () => Promise<boolean>;
}

const GAP_CLOSE = 4000;

export class StreamConnection {
  readonly #o: ConnectionOptions;
  #ws: WebSocket | null = null;
  #attempt = 0;
  #stopped = false;
  #fresh = false;
  #closed = false;
  #timer: number | null = null;
  #frame: number | null = null;

  constructor(options: ConnectionOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#o.replayHistory) this.#o.state.startEmpty();
    this.#open();
  }

  /** Closes for good (the page is leaving or the token changed). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#ws?.close(1000, "dashboard closed");
  }

  #open(): void {
    if (this.#closed) return;
    const since = this.#fresh ? null : this.#o.state.lastSeq;
    const ws = new WebSocket(streamUrl(location, this.#o.eventsPath, this.#o.token, since));
    this.#ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.#attempt = 0;
      this.#stopped = false;
      this.#fresh = false;
      this.#o.onStatus("live", since === null ? "snapshot" : `resumed after seq ${since}`);
    };
    ws.onmessage = (e: MessageEvent) => {
      if (this.#ws !== ws) return;
      const message = typeof e.data === "string" ? parseMessage(e.data) : null;
      if (message === null) return;
      if (this.#o.state.apply(message) === "gap") {
        // Events are missing: what the page shows can no longer be trusted; start over from a snapshot.
        this.#fresh = true;
        ws.close(GAP_CLOSE, "seq gap");
        return;
      }
      this.#changed();
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.#ws !== ws || this.#closed) return;
      this.#ws = null;
      if (e.code === 1001) this.#stopped = true;
      if (!opened) this.#attempt += 1;
      this.#retry(e.code);
    };
  }

  #retry(code: number): void {
    const delay = code === 4008 || code === GAP_CLOSE ? 0 : reconnectDelay(this.#attempt, this.#stopped);
    const why = this.#stopped ? "supervisor stopped; retrying" : code === 4008 ? "fell behind; resuming" : "connection lost; reconnecting";
    this.#o.onStatus(this.#stopped ? "stopped" : "reconnecting", why);
    if (this.#attempt >= 3 && this.#attempt % 3 === 0) {
      void this.#o.tokenAccepted().then((ok) => {
        if (ok || this.#closed) return;
        this.close();
        this.#o.onStatus("unauthorized", "the supervisor no longer accepts this token");
      });
    }
    this.#timer = window.setTimeout(() => {
      this.#timer = null;
      this.#open();
    }, delay);
  }

  // Renders at most once per frame however fast events come.
  #changed(): void {
    if (this.#frame !== null) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = null;
      this.#o.onChange();
    });
  }
}
