// One call in detail: its summary, the events of its life in order, what the safety policy
// found (detector, placeholder, hash — never the value), and the redacted request and
// response as the server keeps them. Everything is rendered as text, never as HTML.
import type { CallView } from "../../../src/events/projection.js";
import type { PiiFinding } from "../../../src/events/types.js";
import { useEffect, useState } from "preact/hooks";
import { shownDecision } from "../model/call-filter.js";
import { clock, formatUsd, latency, pretty } from "../model/format.js";
import type { CallDetail as Detail, StreamEvent } from "../model/messages.js";
import { ApiError, fetchCall } from "../net/api.js";

interface Props {
  readonly callId: string;
  readonly call: CallView | undefined;
  readonly token: string;
  readonly onClose: () => void;
}

export function CallDetail({ callId, call, token, onClose }: Props) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const settled = call === undefined || call.latencyMs !== null || call.decision === "deny";
  useEffect(() => {
    let live = true;
    setError(null);
    fetchCall(token, callId).then(
      (d) => live && setDetail(d),
      (e: unknown) => live && setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)),
    );
    return () => {
      live = false;
    };
  }, [callId, settled, call?.decision]);
  const events = detail?.events ?? [];
  const findings = events.flatMap((e) => (e.type === "llm.decision" ? (e.findings ?? []) : []));
  return (
    <aside class="card detail" aria-labelledby="detail-h" data-testid="call-detail">
      <div class="card-head">
        <h2 id="detail-h">
          Call <span class="mono">{callId}</span>
        </h2>
        <button type="button" class="link" onClick={onClose} aria-label="Close the call's detail">
          close ×
        </button>
      </div>
      {call !== undefined && (
        <dl class="facts-grid">
          <dt>Agent</dt>
          <dd>{call.agentId}</dd>
          <dt>Model</dt>
          <dd>
            {call.model ?? "–"}
            {call.responseModel !== null && call.responseModel !== call.model ? ` → ${call.responseModel}` : ""}
          </dd>
          <dt>Decision</dt>
          <dd>
            <span class={`decision d-${shownDecision(call)}`}>{shownDecision(call)}</span> {call.policy ?? ""} {call.code ?? ""}
          </dd>
          {call.reason !== null && (
            <>
              <dt>Reason</dt>
              <dd>{call.reason}</dd>
            </>
          )}
          <dt>Tokens</dt>
          <dd>
            {call.inputTokens} in / {call.outputTokens} out · {formatUsd(call.costMicros)} · {latency(call.latencyMs) || "pending"}
            {call.status !== null ? ` · HTTP ${call.status}` : ""}
          </dd>
        </dl>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h3>Events</h3>
      {detail === null && error === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <ol class="timeline">
          {events.map((e) => (
            <li key={e.seq}>
              <span class="mono muted">{clock(e.ts)}</span> <span class="mono">#{e.seq}</span> <b>{e.type}</b> {summary(e)}
            </li>
          ))}
        </ol>
      )}
      {findings.length > 0 && <Findings findings={findings} />}
      {detail !== null && (
        <>
          <h3>Request{detail.requestMeta ? ` · ${detail.requestMeta.method} ${detail.requestMeta.url}${detail.requestMeta.sent ? "" : " (not sent)"}` : ""}</h3>
          {detail.request === null ? (
            <p class="muted">{detail.bodies === "kept" ? "No request body." : "Bodies are not kept for this call (only recent calls of a live supervisor)."}</p>
          ) : (
            <pre class="body">{pretty(detail.request)}</pre>
          )}
          <h3>Response{detail.response?.status != null ? ` · HTTP ${detail.response.status}` : ""}</h3>
          {detail.response?.text == null ? (
            <p class="muted">{detail.bodies === "kept" ? "No response text." : "Bodies are not kept for this call."}</p>
          ) : (
            <pre class="body">{pretty(detail.response.text)}</pre>
          )}
        </>
      )}
    </aside>
  );
}

function Findings({ findings }: { findings: readonly PiiFinding[] }) {
  return (
    <>
      <h3>Findings</h3>
      <div class="scroll-x">
        <table class="findings">
          <thead>
            <tr>
              <th scope="col">Detector</th>
              <th scope="col">Direction</th>
              <th scope="col">Action</th>
              <th scope="col">Placeholder</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {findings.map((f, i) => (
              <tr key={i}>
                <td>{f.detector}</td>
                <td>{f.direction}</td>
                <td>{f.action}</td>
                <td class="mono">{f.placeholder}</td>
                <td class="mono ellipsis" title={f.sha256}>
                  {f.sha256.slice(0, 12)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** One line about an event of the call. */
function summary(e: StreamEvent): string {
  switch (e.type) {
    case "llm.request":
      return `${e.provider} ${e.endpoint} ${e.model ?? ""}${e.stream ? " (stream)" : ""} · ~${e.estimatedInputTokens} tokens in · via ${e.library}`;
    case "llm.decision":
      return `${e.phase}: ${e.action}${e.policy ? ` by ${e.policy}` : ""}${e.code ? ` ${e.code}` : ""}${e.reason ? ` — ${e.reason}` : ""} (${e.ms.toFixed(2)} ms)`;
    case "llm.response":
      return `${e.status} ${e.model ?? ""} · ${e.usage?.inputTokens ?? 0}/${e.usage?.outputTokens ?? 0} tokens · ${formatUsd(e.costMicros)} · ${latency(e.latencyMs)}${e.complete ? "" : " · incomplete"}${e.error ? ` · ${e.error}` : ""}`;
    case "budget.warning":
      return `${e.scope} past ${Math.round(e.threshold * 100)}%`;
    case "budget.exhausted":
      return e.reason;
    case "policy.error":
      return `${e.policy}: ${e.error}`;
    default:
      return "";
  }
}
