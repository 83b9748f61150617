// Which lifecycle buttons an agent row offers: what the server says this agent can do
// (/api/info: spawned agents can be stopped, started and restarted, joined ones cannot; one
// waiting in backoff can be started at once),
// narrowed by the state the stream last showed, and none at all when read-only.
import type { InfoAgent } from "./messages.js";

const LIVE = new Set(["starting", "running", "hung", "backoff"]);
const ENDED = new Set(["stopped", "exited", "crashed", "failed"]);

export interface AgentControls {
  readonly stop: boolean;
  readonly restart: boolean;
  readonly start: boolean;
}

export const NO_CONTROLS: AgentControls = Object.freeze({ stop: false, restart: false, start: false });

/** The buttons to enable for an agent in `state`. */
export function agentControls(state: string, info: InfoAgent | undefined, actions: readonly string[], readOnly: boolean): AgentControls {
  if (readOnly || info === undefined) return NO_CONTROLS;
  return {
    stop: info.canStop && actions.includes("agent.stop") && LIVE.has(state),
    restart: info.canRestart && actions.includes("agent.restart") && LIVE.has(state),
    start: info.canStart && actions.includes("agent.start") && (ENDED.has(state) || state === "backoff"),
  };
}

/** A colour family for a state: ok, busy, warn, bad or idle. */
export function stateTone(state: string): "ok" | "busy" | "warn" | "bad" | "idle" {
  if (state === "running" || state === "closed") return "ok";
  if (state === "starting" || state === "stopping" || state === "halfOpen") return "busy";
  if (state === "hung" || state === "backoff" || state === "detached") return "warn";
  if (state === "crashed" || state === "failed" || state === "open") return "bad";
  return "idle";
}
