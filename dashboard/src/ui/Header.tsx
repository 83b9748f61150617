// The top bar: which supervisor, whether the page is live, and the last seq applied.
import type { Snapshot } from "../../../src/events/projection.js";
import type { DashboardInfo } from "../model/messages.js";
import type { ConnectionStatus } from "../net/connection.js";

const LABEL: Record<ConnectionStatus, string> = {
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  stopped: "supervisor stopped",
  unauthorized: "token refused",
};

interface Props {
  readonly supervisor: Snapshot["supervisor"];
  readonly info: DashboardInfo | null;
  readonly status: ConnectionStatus;
  readonly detail: string;
  readonly lastSeq: number | null;
  readonly storeError: string | null;
}

export function Header({ supervisor, info, status, detail, lastSeq, storeError }: Props) {
  const readOnly = info?.mode === "state";
  const shown = readOnly && status === "live" ? "read-only state file" : LABEL[status];
  const tone = status === "live" ? (readOnly ? "idle" : "ok") : status === "stopped" || status === "unauthorized" ? "bad" : "warn";
  return (
    <header class="topbar">
      <div class="brand">
        <svg class="logo" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
          <path d="M3 2h10v3H9.5v6H13v3H3v-3h3.5V5H3z" fill="currentColor" />
        </svg>
        <strong>iron</strong>
        <span class="muted">dashboard</span>
      </div>
      <div class="facts">
        <span>
          version <b>{supervisor?.version ?? info?.version ?? "…"}</b>
        </span>
        {supervisor !== null && (
          <span>
            pid <b>{supervisor.pid}</b>
          </span>
        )}
        {readOnly && info?.stateFile && (
          <span class="ellipsis" title={info.stateFile}>
            state <b>{info.stateFile}</b>
          </span>
        )}
        {readOnly && supervisor?.stopping && <span>the run has ended</span>}
        <span>
          seq <b data-testid="last-seq">{lastSeq ?? "–"}</b>
        </span>
      </div>
      <div class={`pill tone-${tone}`} role="status" aria-live="polite" title={detail} data-testid="connection">
        <span class="dot" aria-hidden="true" />
        {supervisor?.stopping && status === "live" && !readOnly ? "supervisor stopping" : shown}
      </div>
      {storeError !== null && (
        <div class="banner error" role="alert">
          State store failed — calls are denied and events are no longer durable: {storeError}
        </div>
      )}
    </header>
  );
}
