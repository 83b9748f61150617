// Pure formatting of what the CLI prints: live decision lines and the end-of-run summary.
import type { IronEvent } from "../events/types.js";
import { formatUsd } from "../policy/money.js";
import type { CallMetrics } from "../supervisor/call-metrics.js";
import type { Style } from "./color.js";
import { labelScope } from "./scope-label.js";

export const PREFIX = "iron ▸";

/**
 * A string a peer chose (a refused hello's name and host, a joined agent's interpreter), made
 * safe to print: control characters (ANSI escapes, carriage returns, bells) and bidirectional
 * overrides become visible \xNN / \uNNNN escapes instead of acting on the terminal.
 */
export function terminalSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** One line for a decision or response event, or null for events the trace does not show. */
export function traceLine(event: IronEvent, models: Map<string, string | null>): string | null {
  switch (event.type) {
    case "llm.request":
      models.set(event.callId, event.model);
      return null;
    case "llm.decision": {
      if (event.phase === "request") {
        const model = models.get(event.callId) ?? "?";
        const waited = event.delayMs === undefined ? "" : ` after waiting ${event.delayMs} ms for a rate limit`;
        if (event.action === "allow") return `${PREFIX} ${event.agentId}: ${model} allowed${waited} (call ${event.callId})`;
        if (event.action === "modify") return `${PREFIX} ${event.agentId}: ${model} modified by ${event.policy}${event.reason ? `: ${event.reason}` : ""}`;
        return `${PREFIX} ${event.agentId}: ${model} denied by ${event.policy} (${event.code}, HTTP ${event.status}): ${event.reason}`;
      }
      if (event.action === "allow") return null;
      const where = event.phase === "stream" ? "stream" : "response";
      return `${PREFIX} ${event.agentId}: ${where} ${event.action === "redact" ? "redacted" : "denied"} by ${event.policy}${event.reason ? `: ${event.reason}` : ""}`;
    }
    case "budget.warning":
      return `${PREFIX} budget ${labelScope(event.scope)}: ${Math.round(event.threshold * 100)}% spent (${formatUsd(event.spent)} of ${formatUsd(event.limit)})`;
    case "budget.exhausted":
      return `${PREFIX} budget ${labelScope(event.scope)} has no room for ${event.agentId}'s call (${formatUsd(event.spent)} of ${formatUsd(event.limit)} spent)`;
    case "breaker.state":
      return `${PREFIX} breaker ${event.provider}/${event.model}: ${event.from} → ${event.to} (${event.reason})${event.cooldownMs === null ? "" : `; half-opens in ${(event.cooldownMs / 1000).toFixed(1)}s`}`;
    case "llm.response": {
      models.delete(event.callId);
      const tokens = event.usage === null ? "no usage" : `${event.usage.inputTokens} in / ${event.usage.outputTokens} out tokens`;
      const state = event.complete ? "" : " (incomplete)";
      return `${PREFIX} ${event.agentId}: ${event.model ?? "?"} answered ${event.status}${state} · ${tokens} · ${formatUsd(event.costMicros)} · ${event.latencyMs.toFixed(1)} ms`;
    }
    default:
      return null;
  }
}

/** How an event's line stands out on a terminal: denials and exhausted budgets red, redactions and warnings yellow. */
export function lineStyle(event: IronEvent): Style | null {
  if (event.type === "budget.exhausted") return "red";
  if (event.type === "budget.warning") return "yellow";
  if (event.type !== "llm.decision") return null;
  if (event.action === "deny") return "red";
  return event.action === "redact" ? "yellow" : null;
}

/** The summary line of one agent's run. */
export function summaryLines(agentId: string, exit: string, seconds: number, m: CallMetrics): string[] {
  // The ledger's words and counts (callOutcome): `iron calls` on the same state file says the same.
  const parts = [`${m.allowed} allowed`];
  if (m.modified > 0) parts.push(`${m.modified} modified`);
  if (m.redacted > 0) parts.push(`${m.redacted} redacted`);
  parts.push(`${m.denied} denied`);
  return [
    `${PREFIX} ${agentId} ${exit} after ${seconds.toFixed(1)}s`,
    `${PREFIX} ${m.calls} LLM call${m.calls === 1 ? "" : "s"}: ${parts.join(", ")} · ${m.inputTokens} in / ${m.outputTokens} out tokens · ${formatUsd(m.costMicros)}`,
  ];
}
