// The audit and activity list: operators' actions and the events a person should notice
// (budgets warning or exhausted, breakers changing, policies failing, the store failing,
// agents crashing), each as one line of text.
import { formatUsd } from "../../../src/policy/money.js";
import type { StreamEvent } from "./messages.js";

export interface ActivityItem {
  readonly seq: number;
  readonly ts: number;
  /** The event type it came from. */
  readonly kind: string;
  readonly level: "info" | "warn" | "error";
  readonly text: string;
}

const ENDED_BADLY = new Set(["crashed", "failed", "hung"]);

/** The activity line of an event, or null when the event is not one to list. */
export function describeActivity(event: StreamEvent): ActivityItem | null {
  const item = (level: ActivityItem["level"], text: string): ActivityItem => ({ seq: event.seq, ts: event.ts, kind: event.type, level, text });
  switch (event.type) {
    case "control.action": {
      const params = Object.entries(event.params)
        .map(([k, v]) => `${k}=${v === null ? "none" : String(v)}`)
        .join(" ");
      const what = `${event.action} ${event.target}${params === "" ? "" : ` (${params})`} from the ${event.source} at ${event.remote}`;
      return event.outcome === "done" ? item("info", `${what}: done`) : item("error", `${what}: refused ${event.code ?? ""} ${event.error ?? ""}`.trim());
    }
    case "budget.warning":
      return item("warn", `budget ${event.scope} passed ${Math.round(event.threshold * 100)}%: ${formatUsd(event.spent)} of ${formatUsd(event.limit)}`);
    case "budget.exhausted":
      return item("error", `budget ${event.scope} exhausted for ${event.agentId}: ${event.reason}`);
    case "breaker.state":
      return item(event.to === "closed" ? "info" : "warn", `breaker ${event.provider}${event.model === "" ? "" : `/${event.model}`} ${event.from} → ${event.to}: ${event.reason}`);
    case "policy.error":
      return item(
        event.ignored ? "warn" : "error",
        `policy ${event.policy} ${event.timedOut ? "timed out" : "failed"} on ${event.agentId}'s call ${event.callId}: ${event.error}${event.ignored ? " (ignored)" : ""}`,
      );
    case "store.error":
      return item("error", `state store failed (${event.code}): ${event.error}`);
    case "agent.state":
      return ENDED_BADLY.has(event.to) ? item("error", `${event.agentId} ${event.to} (run ${event.run}): ${event.reason ?? ""}`) : null;
    case "agent.rejected":
      return item("warn", `refused an agent asking to be ${event.requested} (pid ${event.pid} on ${event.host}): ${event.reason}`);
    case "agent.joined":
      return item("info", `${event.agentId} joined (pid ${event.pid} on ${event.host}, Python ${event.python})`);
    case "agent.reaped":
      return item("warn", `reaped ${event.processes} process(es) of ${event.agentId} left by supervisor ${event.supervisorPid}`);
    case "supervisor.started":
      return item("info", `supervisor ${event.version} started (pid ${event.pid})`);
    case "supervisor.stopping":
      return item("info", `supervisor stopping: ${event.reason}`);
    default:
      return null;
  }
}

/** The newest `max` items, oldest first. */
export class ActivityLog {
  readonly #items: ActivityItem[] = [];
  readonly #max: number;

  constructor(max = 300) {
    this.#max = max;
  }

  add(item: ActivityItem): void {
    this.#items.push(item);
    if (this.#items.length > this.#max) this.#items.splice(0, this.#items.length - this.#max);
  }

  get items(): readonly ActivityItem[] {
    return this.#items;
  }
}
