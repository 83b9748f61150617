// The live table of calls and decisions, newest first, with filters. Virtualised: only the
// rows in view (plus a few) are in the DOM, each of a fixed height, so thousands of calls
// scroll smoothly; the state holds at most its bound of calls (oldest dropped).
import type { CallView } from "../../../src/events/projection.js";
import { useMemo, useState } from "preact/hooks";
import { filterCalls, filterChoices, NO_FILTER, shownDecision, visibleWindow, type CallFilter } from "../model/call-filter.js";
import { clock, count, formatUsd, latency } from "../model/format.js";

const ROW = 30;
const VIEW = 420;
const DECISIONS = ["allow", "modify", "deny", "redact", "pending"];

interface Props {
  readonly calls: () => Iterable<CallView>;
  /** Changes whenever the calls do. */
  readonly rev: number;
  readonly total: number;
  readonly max: number;
  readonly selected: string | null;
  readonly onSelect: (callId: string) => void;
}

export function CallsTable({ calls, rev, total, max, selected, onSelect }: Props) {
  const [filter, setFilter] = useState<CallFilter>(NO_FILTER);
  const [scrollTop, setScrollTop] = useState(0);
  const rows = useMemo(() => filterCalls(calls(), filter), [rev, filter]);
  // Menus change rarely: recomputed only when the number of calls does.
  const choices = useMemo(() => filterChoices(calls()), [total]);
  const { start, count: shown } = visibleWindow(scrollTop, VIEW, ROW, rows.length);
  const set = (patch: Partial<CallFilter>): void => setFilter({ ...filter, ...patch });
  return (
    <section class="card calls" aria-labelledby="calls-h">
      <div class="card-head">
        <h2 id="calls-h">Calls</h2>
        <span class="muted" data-testid="calls-count">
          {rows.length === total ? `${count(total)} calls` : `${count(rows.length)} of ${count(total)} calls`}
          {total >= max ? ` (the newest ${count(max)} kept)` : ""}
        </span>
      </div>
      <div class="filters" role="search">
        <label>
          Agent
          <select value={filter.agent} onChange={(e) => set({ agent: e.currentTarget.value })}>
            <option value="">all</option>
            {choices.agents.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <select value={filter.model} onChange={(e) => set({ model: e.currentTarget.value })}>
            <option value="">all</option>
            {choices.models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Decision
          <select value={filter.decision} onChange={(e) => set({ decision: e.currentTarget.value })}>
            <option value="">all</option>
            {DECISIONS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          Search
          <input type="search" placeholder="policy, reason, call id…" value={filter.text} onInput={(e) => set({ text: e.currentTarget.value })} />
        </label>
      </div>
      <div role="table" aria-label="Calls" aria-rowcount={rows.length + 1} class="vtable">
        <div class="vinner">
          <div role="rowgroup">
            <div role="row" aria-rowindex={1} class="vrow vhead">
              {["Time", "Agent", "Model", "Tokens", "Cost", "Latency", "Decision", "Policy", "Reason"].map((h) => (
                <span key={h} role="columnheader">
                  {h}
                </span>
              ))}
            </div>
          </div>
          <div role="rowgroup" class="vbody" style={{ height: `${VIEW}px` }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} data-testid="calls-body">
            {rows.length === 0 && <p class="muted empty">{total === 0 ? "No call yet." : "No call matches the filters."}</p>}
            <div style={{ height: `${rows.length * ROW}px`, position: "relative" }}>
              {rows.slice(start, start + shown).map((c, i) => (
                <CallRow key={c.callId} call={c} index={start + i} selected={c.callId === selected} onSelect={onSelect} />
              ))}
            </div>
          </div>
        </div>
      </div>
    </section>
  );
}

function CallRow({ call, index, selected, onSelect }: { call: CallView; index: number; selected: boolean; onSelect: (id: string) => void }) {
  const decision = shownDecision(call);
  const model = call.responseModel !== null && call.responseModel !== call.model ? `${call.model ?? "?"} → ${call.responseModel}` : (call.model ?? "–");
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      tabIndex={0}
      class={`vrow${selected ? " selected" : ""}`}
      style={{ top: `${index * ROW}px` }}
      data-call={call.callId}
      onClick={() => onSelect(call.callId)}
      onKeyDown={(e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          onSelect(call.callId);
        }
      }}
    >
      <span role="cell" class="mono">
        {clock(call.ts)}
      </span>
      <span role="cell" class="ellipsis">
        {call.agentId}
      </span>
      <span role="cell" class="ellipsis" data-testid="call-model" title={model}>
        {model}
      </span>
      <span role="cell" class="num" title="tokens in / out">
        {call.inputTokens} / {call.outputTokens}
      </span>
      <span role="cell" class="num mono">
        {formatUsd(call.costMicros)}
      </span>
      <span role="cell" class="num mono">
        {latency(call.latencyMs)}
      </span>
      <span role="cell">
        <span class={`decision d-${decision}`} data-testid="call-decision">
          {decision}
        </span>
        {call.status !== null && call.status !== 200 && <span class="muted"> {call.status}</span>}
      </span>
      <span role="cell" class="ellipsis">
        {call.policy ?? ""}
      </span>
      <span role="cell" class="ellipsis" title={[call.code, call.reason].filter(Boolean).join(": ")}>
        {call.code !== null ? `${call.code} ` : ""}
        {call.reason ?? ""}
      </span>
    </div>
  );
}
