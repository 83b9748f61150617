// Pure formatting of what `iron serve` prints as agents join, leave and are refused, and the
// table of agents it prints when it stops (the joined-agents view of the CLI).
import type { IronEvent } from "../../events/types.js";
import { formatUsd } from "../../policy/money.js";
import type { CallMetrics } from "../../supervisor/call-metrics.js";
import { PREFIX, terminalSafe as safe } from "../render.js";

/** One line for a join, a detach, a reattach or a refused hello of a joined agent; null otherwise. */
export function joinedLine(event: IronEvent, isJoined: (agentId: string) => boolean): string | null {
  switch (event.type) {
    case "agent.joined": {
      const how = event.previousPid === null ? "joined" : event.previousPid === event.pid ? "reconnected" : `joined (taking over from pid ${event.previousPid})`;
      const named = event.requested === event.agentId ? "" : ` (asked for ${JSON.stringify(event.requested)})`;
      return `${PREFIX} ${safe(event.agentId)}${named} ${how} from ${safe(event.host)} · pid ${event.pid} · Python ${safe(event.python) || "?"} · ${safe(event.executable) || "?"} · session ${event.session}`;
    }
    case "agent.rejected": {
      const times = (event.count ?? 1) > 1 ? ` ${event.count} times more (last pid ${event.pid})` : ` (pid ${event.pid})`;
      return `${PREFIX} refused ${safe(JSON.stringify(event.requested))} from ${safe(event.host)}${times}: ${event.code}: ${safe(event.reason)}`;
    }
    case "agent.state":
      if (!isJoined(event.agentId)) return null;
      if (event.to === "detached") return `${PREFIX} ${safe(event.agentId)} detached: ${safe(event.reason ?? "")}`;
      if (event.to === "running" && event.from === "detached" && event.reason === "heartbeats resumed") return `${PREFIX} ${event.agentId} is back: heartbeats resumed`;
      return null;
    default:
      return null;
  }
}

/** One row of the agents table. */
export interface AgentRow {
  readonly id: string;
  readonly kind: "joined" | "spawned";
  readonly state: string;
  readonly pid: number | null;
  readonly host: string;
  readonly python: string;
  readonly metrics: Readonly<CallMetrics>;
}

/** The agents table: one line per agent, columns aligned. */
export function agentsTable(rows: readonly AgentRow[]): string[] {
  if (rows.length === 0) return [`${PREFIX} no agent joined`];
  const header = ["agent", "kind", "state", "pid", "host", "python", "calls", "allowed", "denied", "cost"];
  const cells = rows.map((r) => [
    safe(r.id),
    r.kind,
    r.state,
    r.pid === null ? "-" : String(r.pid),
    safe(r.host) || "-",
    safe(r.python) || "-",
    String(r.metrics.calls),
    String(r.metrics.allowed + r.metrics.modified + r.metrics.redacted),
    String(r.metrics.denied),
    formatUsd(r.metrics.costMicros),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: readonly string[]): string =>
    `  ${c
      .map((v, i) => v.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd()}`;
  return [`${PREFIX} agents`, line(header), ...cells.map(line)];
}
