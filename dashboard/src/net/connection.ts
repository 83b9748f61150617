// The page's WebSocket to the supervisor: connects, feeds every message to the dashboard
// state, and after a drop reconnects with backoff from the last seq applied (`?since=`), so
// nothing is lost or shown twice. A gap takes a fresh snapshot; 1001 means the supervisor
// stopped (retried slowly, so one restarted on the same port is picked up); 4008 means the
// page fell behind (resumed at once). When the first snapshot shows a short history, the page
// also replays it from seq 0 into a second state and switches to it once caught up, so the
// output, exits and audit from before the page opened are there too.
import { DashboardState } from "../model/dashboard-state.js";
import { parseMessage } from "../model/messages.js";
import { reconnectDelay, streamUrl } from "../model/resume.js";

export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "stopped" | "unauthorized";

export interface ConnectionOptions {
  readonly token: string;
  readonly eventsPath: string;
  /** Build the state from every event (`?since=0`) from the start: for a state file, whose history is the point. */
  readonly replayHistory: boolean;
  /** The state changed (called at most once per animation frame). */
  readonly onChange: () => void;
  readonly onStatus: (status: ConnectionStatus, detail: string) => void;
  /** Asked after repeated failures: does the token still open the API? */
  readonly tokenAccepted: () => Promise<boolean>;
}

const GAP_CLOSE = 4000;
/** A history up to this many events is replayed behind the first snapshot. */
const HISTORY_LIMIT = 20_000;

export class StreamConnection {
  /** What the page shows; replaced once when a history replay has caught up. */
  state = new DashboardState();
  readonly #o: ConnectionOptions;
  #ws: WebSocket | null = null;
  #history: WebSocket | null = null;
  #historyTried = false;
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
    if (this.#o.replayHistory) {
      this.#historyTried = true;
      this.state.startEmpty();
    }
    this.#open();
  }

  /** Closes for good (the page is leaving or the token changed). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#history?.close(1000, "dashboard closed");
    this.#ws?.close(1000, "dashboard closed");
  }

  #open(): void {
    if (this.#closed) return;
    const since = this.#fresh ? null : this.state.lastSeq;
    this.#attach(new WebSocket(streamUrl(location, this.#o.eventsPath, this.#o.token, since)), since);
  }

  // Makes `ws` the page's connection: its messages go to `this.state`, its close reconnects.
  #attach(ws: WebSocket, since: number | null): void {
    this.#ws = ws;
    let opened = ws.readyState === WebSocket.OPEN;
    const live = (): void => {
      opened = true;
      this.#attempt = 0;
      this.#stopped = false;
      this.#fresh = false;
      this.#o.onStatus("live", since === null ? "snapshot" : `resumed after seq ${since}`);
    };
    if (opened) live();
    ws.onopen = live;
    ws.onmessage = (e: MessageEvent) => {
      if (this.#ws !== ws) return;
      const message = typeof e.data === "string" ? parseMessage(e.data) : null;
      if (message === null) return;
      const placement = this.state.apply(message);
      if (placement === "gap") {
        // Events are missing: what the page shows can no longer be trusted; start over from a snapshot.
        this.#fresh = true;
        ws.close(GAP_CLOSE, "seq gap");
        return;
      }
      if (placement === "snapshot" && !this.#historyTried) {
        this.#historyTried = true;
        if (message.seq <= HISTORY_LIMIT) this.#replayHistory();
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

  // Replays every event into a second state; once it has caught up with the page, it takes over.
  #replayHistory(): void {
    const shadow = new DashboardState(this.state.limits);
    shadow.startEmpty();
    const ws = new WebSocket(streamUrl(location, this.#o.eventsPath, this.#o.token, 0));
    this.#history = ws;
    ws.onmessage = (e: MessageEvent) => {
      const message = typeof e.data === "string" ? parseMessage(e.data) : null;
      if (message === null || this.#history !== ws) return;
      if (shadow.apply(message) === "gap") return ws.close(1000, "history incomplete");
      const shown = this.state.lastSeq;
      if (shadow.lastSeq === null || shown === null || shadow.lastSeq < shown || this.#ws === null) return;
      // Caught up: the history's state and socket become the page's; the first socket goes.
      const old = this.#ws;
      this.#history = null;
      this.state = shadow;
      old.onclose = null;
      old.close(1000, "replaced by the history stream");
      this.#attach(ws, 0);
      this.#changed();
    };
    ws.onclose = () => {
      if (this.#history === ws) this.#history = null;
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
