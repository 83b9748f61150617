// Pure formatting of the look-back commands' output: the call ledger, its totals, the agents.
import { formatUsd } from "../policy/money.js";
import type { AgentSummary, LedgerCall, LedgerReport, Totals } from "../store/sqlite/ledger-queries.js";
import { table } from "./table.js";

/** `14:03:07` for today, `2026-11-27 14:03` for other days (local time). */
export function formatTime(ts: number, now: number = Date.now()): string {
  const d = new Date(ts);
  const pad = (n: number): string => String(n).padStart(2, "0");
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (new Date(now).toDateString() === d.toDateString()) return `${clock}:${pad(d.getSeconds())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

function modelOf(call: LedgerCall): string {
  if (call.responseModel !== null && call.responseModel !== call.model) return `${call.model ?? "?"}→${call.responseModel}`;
  return call.model ?? "?";
}

/** The ledger as a table, then totals by model, by agent and overall. */
export function formatLedger(report: LedgerReport, now: number = Date.now()): string[] {
  if (report.calls.length === 0) return ["no calls match"];
  const lines = table<LedgerCall>(
    [
      { title: "TIME", cell: (c) => formatTime(c.requestedAt, now) },
      { title: "AGENT", cell: (c) => c.agentId },
      { title: "CALL", cell: (c) => c.callId },
      { title: "MODEL", cell: modelOf },
      // `redact ×2`: how many values were redacted, as the run's line said ("2 values redacted").
      { title: "DECISION", cell: (c) => (c.outcome === "redact" && (c.redactedValues ?? 0) > 0 ? `redact ×${c.redactedValues}` : c.outcome) },
      { title: "BY", cell: (c) => (c.policy === null ? "" : c.code === null ? c.policy : `${c.policy} ${c.code}`) },
      { title: "STATUS", cell: (c) => (c.status === null ? "" : String(c.status)), right: true },
      { title: "IN", cell: (c) => String(c.inputTokens), right: true },
      { title: "OUT", cell: (c) => String(c.outputTokens), right: true },
      { title: "COST", cell: (c) => formatUsd(c.costMicros), right: true },
      { title: "LATENCY", cell: (c) => (c.latencyMs === null ? "" : `${c.latencyMs.toFixed(1)} ms`), right: true },
      // A fleet's ledger (PostgreSQL) names the supervisor of each call.
      ...(report.calls.some((c) => "supervisor" in c) ? [{ title: "SUPERVISOR", cell: (c: LedgerCall) => ("supervisor" in c ? String(c.supervisor) : "") }] : []),
      // Only when some call has one: most agents never use iron_shim.context().
      ...(report.calls.some((c) => Object.keys(c.attrs).length > 0) ? [{ title: "ATTRIBUTION", cell: (c: LedgerCall) => formatAttrs(c.attrs) }] : []),
    ],
    report.calls,
  );
  const totals = (title: string, groups: Readonly<Record<string, Totals>>): string[] => [
    "",
    ...table<[string, Totals]>(
      [
        { title, cell: ([k]) => k },
        { title: "CALLS", cell: ([, t]) => String(t.calls), right: true },
        { title: "ALLOWED", cell: ([, t]) => String(t.allowed), right: true },
        { title: "MODIFIED", cell: ([, t]) => String(t.modified), right: true },
        { title: "DENIED", cell: ([, t]) => String(t.denied), right: true },
        { title: "REDACTED", cell: ([, t]) => String(t.redacted), right: true },
        { title: "IN", cell: ([, t]) => String(t.inputTokens), right: true },
        { title: "OUT", cell: ([, t]) => String(t.outputTokens), right: true },
        { title: "COST", cell: ([, t]) => formatUsd(t.costMicros), right: true },
      ],
      [...Object.entries(groups), ["total", report.totals]],
    ),
  ];
  return [...lines, ...totals("BY MODEL", report.totals.byModel), ...totals("BY AGENT", report.totals.byAgent)];
}

/** Attribution as `key=value` pairs, in key order. */
function formatAttrs(attrs: Readonly<Record<string, string>>): string {
  return Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${attrs[k]}`)
    .join(" ");
}

/** The agents as a table. */
export function formatAgents(agents: readonly AgentSummary[], now: number = Date.now()): string[] {
  if (agents.length === 0) return ["no agents on record"];
  return table<AgentSummary>(
    [
      { title: "AGENT", cell: (a) => a.agentId },
      { title: "KIND", cell: (a) => a.kind },
      { title: "STATE", cell: (a) => a.state },
      { title: "PID", cell: (a) => (a.pid === null ? "" : String(a.pid)), right: true },
      { title: "HOST", cell: (a) => a.host ?? "" },
      ...(agents.some((a) => "supervisor" in a) ? [{ title: "SUPERVISOR", cell: (a: AgentSummary) => ("supervisor" in a ? String(a.supervisor) : "") }] : []),
      { title: "PYTHON", cell: (a) => a.python ?? "" },
      { title: "RUNS", cell: (a) => String(a.runs), right: true },
      { title: "LAST EXIT", cell: (a) => (a.lastSignal !== null ? a.lastSignal : a.lastExitCode === null ? "" : `code ${a.lastExitCode}`) },
      { title: "LAST SEEN", cell: (a) => formatTime(a.lastSeen, now) },
      { title: "CALLS", cell: (a) => String(a.calls), right: true },
      { title: "IN", cell: (a) => String(a.inputTokens), right: true },
      { title: "OUT", cell: (a) => String(a.outputTokens), right: true },
      { title: "COST", cell: (a) => formatUsd(a.costMicros), right: true },
    ],
    agents,
  );
}
