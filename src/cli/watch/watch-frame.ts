// Pure rendering of `iron watch`'s full-screen view from the folded state: agents, budgets
// with bars, breakers, and the tail of decisions that fills the rest of the screen.
import type { AgentView, BudgetRow, CallView, StateProjection } from "../../events/projection.js";
import { formatUsd } from "../../policy/money.js";
import { formatTime } from "../ledger-format.js";
import { RUN_SCOPE_HELP, scopeNote } from "../scope-label.js";
import { table } from "../table.js";

export interface FrameContext {
  readonly cols: number;
  readonly rows: number;
  readonly now: number;
  readonly url: string;
  /** Connected, reconnecting, or ended (and why). */
  readonly status: string;
}

const BAR = 24;

/** `[████▒▒░░░░]`: spent, then held by calls in flight, then what is left. */
export function budgetBar(row: BudgetRow, width: number = BAR): string {
  if (row.limit === null) return "";
  const cells = (micros: number): number => (row.limit === 0 ? width : Math.min(width, Math.round((micros / (row.limit as number)) * width)));
  const spent = row.limit === 0 ? width : cells(row.spent);
  const held = Math.min(width - spent, cells(row.spent + row.reserved) - spent);
  return `[${"█".repeat(spent)}${"▒".repeat(Math.max(0, held))}${"░".repeat(Math.max(0, width - spent - Math.max(0, held)))}]`;
}

function budgetText(row: BudgetRow): string {
  if (row.limit === null) return `${formatUsd(row.spent)} spent, no limit`;
  const pct = row.limit === 0 ? 100 : (row.spent / row.limit) * 100;
  const held = row.reserved > 0 ? ` (+${formatUsd(row.reserved)} held)` : "";
  const warned = row.warned !== null ? `  ⚠ past ${Math.round(row.warned * 100)}%` : "";
  return `${formatUsd(row.spent)} of ${formatUsd(row.limit)} · ${pct.toFixed(1)}%${held}${warned}`;
}

/** One decision line of the tail. */
export function callLine(c: CallView, now: number): string {
  const outcome = c.responseAction === "deny" || c.decision === "deny" ? "deny" : c.responseAction === "redact" ? "redact" : (c.decision ?? "…");
  const by = c.policy === null ? "" : c.code === null ? ` by ${c.policy}` : ` by ${c.policy} ${c.code}`;
  const status = c.status === null ? "" : ` · ${c.status}`;
  const tokens = c.inputTokens + c.outputTokens > 0 ? ` · ${c.inputTokens}/${c.outputTokens} tok` : "";
  const cost = c.costMicros > 0 ? ` · ${formatUsd(c.costMicros)}` : "";
  const latency = c.latencyMs === null ? "" : ` · ${c.latencyMs.toFixed(1)} ms`;
  const model = c.responseModel !== null && c.responseModel !== c.model ? `${c.model ?? "?"}→${c.responseModel}` : (c.model ?? "?");
  return `${formatTime(c.ts, now)} ${c.agentId} ${model} ${outcome}${by}${status}${tokens}${cost}${latency}`;
}

function agentRows(agents: readonly AgentView[]): string[] {
  return table<AgentView>(
    [
      { title: "AGENT", cell: (a) => a.agentId },
      { title: "STATE", cell: (a) => a.state },
      { title: "PID", cell: (a) => (a.pid === null ? "" : String(a.pid)), right: true },
      { title: "RESTARTS", cell: (a) => String(a.restarts), right: true },
      { title: "CALLS", cell: (a) => String(a.calls), right: true },
      { title: "ALLOW", cell: (a) => String(a.allowed), right: true },
      { title: "MODIFY", cell: (a) => String(a.modified), right: true },
      { title: "REDACT", cell: (a) => String(a.redacted), right: true },
      { title: "DENY", cell: (a) => String(a.denied), right: true },
      { title: "TOKENS", cell: (a) => `${a.inputTokens}/${a.outputTokens}`, right: true },
      { title: "SPEND", cell: (a) => formatUsd(a.costMicros), right: true },
    ],
    agents,
  );
}

/** The whole screen, one string per terminal row, each cut to the terminal's width. */
export function renderFrame(state: StateProjection, ctx: FrameContext): string[] {
  const sup = state.supervisor;
  const who = sup === null ? "supervisor ?" : `supervisor pid ${sup.pid}${sup.stopping ? " (stopping)" : ""}`;
  // The URL last: on a narrow terminal it is what gets cut.
  const lines: string[] = [`iron watch · ${who} · seq ${state.seq} · ${ctx.status} · ${formatTime(ctx.now, ctx.now)} · ${ctx.url}`];
  if (state.storeError !== null) lines.push(`STORE FAILED: every call is denied — ${state.storeError}`);
  lines.push("");
  const agents = [...state.agents.values()];
  lines.push(...(agents.length === 0 ? ["AGENTS  (none yet)"] : agentRows(agents)));
  lines.push("", "BUDGETS");
  const budgets = [...state.budgets.values()];
  if (budgets.length === 0) lines.push("  (no spend yet)");
  const scopeWidth = Math.max(0, ...budgets.map((b) => b.scope.length));
  for (const b of budgets) lines.push(`  ${b.scope.padEnd(scopeWidth)}  ${b.limit === null ? "" : `${budgetBar(b)} `}${budgetText(b)}`);
  if (budgets.some((b) => scopeNote(b.scope) !== null)) lines.push(`  (${RUN_SCOPE_HELP})`);
  const breakers = [...state.breakers.values()];
  if (breakers.length > 0) {
    lines.push("", "BREAKERS");
    for (const b of breakers) {
      const retry = b.state === "open" && b.retryAt !== null ? `, half-opens in ${Math.max(0, Math.ceil((b.retryAt - ctx.now) / 1000))}s` : "";
      lines.push(`  ${b.provider}${b.model === null ? "" : ` ${b.model}`}  ${b.state}  since ${formatTime(b.since, ctx.now)}${retry}${b.reason === null ? "" : `  ${b.reason}`}`);
    }
  }
  lines.push("", "DECISIONS");
  const room = Math.max(1, ctx.rows - lines.length);
  const calls = [...state.calls.values()].slice(-room);
  if (calls.length === 0) lines.push("  (no calls yet)");
  for (const c of calls) lines.push(`  ${callLine(c, ctx.now)}`);
  return lines.slice(0, Math.max(1, ctx.rows)).map((line) => cut(line, ctx.cols));
}

/** Cuts a line to `cols` characters (by code point), marking the cut with an ellipsis. */
export function cut(line: string, cols: number): string {
  const chars = [...line];
  if (chars.length <= cols) return line;
  return `${chars.slice(0, Math.max(0, cols - 1)).join("")}…`;
}
