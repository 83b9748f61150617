// Pure formatting of the lifecycle lines `iron run` prints as agents restart, hang or are reaped.
import type { AgentExit } from "../lifecycle/agent-machine-types.js";
import type { IronEvent } from "../events/types.js";
import { PREFIX } from "./render.js";
import { controlText } from "./watch/watch-lines.js";

/** Remembers why each agent's last process ended, to say it when the restart is announced. */
export type NoticeMemory = Map<string, string>;

/** One line for a lifecycle event worth telling the user about live, or null. */
export function lifecycleLine(event: IronEvent, memory: NoticeMemory): string | null {
  if (event.type === "agent.reaped") {
    const s = event.processes === 1 ? "" : "es";
    return `${PREFIX} reaped ${event.processes} process${s} of ${event.agentId} (group ${event.pgid}) left running by a supervisor that died (pid ${event.supervisorPid})`;
  }
  if (event.type === "control.action") return `${PREFIX} ${controlText(event)}`;
  if (event.type !== "agent.state") return null;
  const id = event.agentId;
  switch (event.to) {
    case "crashed":
    case "exited":
      memory.set(id, `${event.to === "crashed" ? "crashed" : "ended"} (run ${event.run}, pid ${event.pid}): ${event.reason}`);
      return null;
    case "backoff":
      return `${PREFIX} ${id} ${memory.get(id) ?? "ended"}; ${event.reason}`;
    case "starting":
      return event.run > 1 ? `${PREFIX} ${id} restarted (run ${event.run}, pid ${event.pid})` : null;
    case "hung":
      return `${PREFIX} ${id} is hung (pid ${event.pid}): ${event.reason}`;
    case "running":
      return event.from === "hung" ? `${PREFIX} ${id} is responding again (pid ${event.pid})` : null;
    default:
      return null;
  }
}

/** How an agent ended, for the summary: a headline ("failed"), how often it restarted, and, when useful, why. */
export function describeEnd(exit: AgentExit): { headline: string; restarts: string; detail: string | null } {
  const restarts = exit.restarts === 0 ? "" : ` (${exit.restarts} restart${exit.restarts === 1 ? "" : "s"})`;
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
  switch (exit.state) {
    case "exited":
      return { headline: "exited with code 0", restarts, detail: null };
    case "stopped":
      return { headline: "was stopped", restarts, detail: exit.reason };
    case "crashed":
      return exit.code === null ? { headline: how, restarts, detail: null } : { headline: "crashed", restarts, detail: exit.reason };
    case "failed":
      return { headline: "failed", restarts, detail: exit.reason };
  }
}
