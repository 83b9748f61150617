// What the agent server asks of the supervisor, per session: which keys a hello may be signed
// with, who it is once authenticated, and where its calls, heartbeats and goodbye go.
import type { EventBus } from "../events/bus.js";
import type { AgentServerHandlers, AuthResult, Session } from "../transport/agent-server.js";
import type { TokenRegistry } from "../transport/tokens.js";
import type { Agent } from "./agent.js";
import type { CallGovernor } from "./call-governor.js";
import type { GrantBook } from "./grant-book.js";
import { toCall } from "./wire-mapping.js";
import type { JoinedAgents } from "./joined-agents.js";
import type { ShimSettings, WireBudget } from "../protocol/messages.js";

/** What a session's agent answers to, spawned (Agent) or joined (JoinedAgent) alike. */
interface SessionOwner {
  attach(session: Session): void;
  heartbeat(session: Session): void;
  bye(session: Session, reason: string): void;
}

export interface SessionHandlerDeps {
  readonly tokens: TokenRegistry;
  readonly joined: JoinedAgents;
  readonly agents: ReadonlyMap<string, Agent>;
  readonly governor: CallGovernor;
  readonly bus: EventBus;
  readonly settings: () => ShimSettings;
  readonly budgetOf: (agentId: string) => WireBudget | null;
  /** Grants (SPEC 3.4a); none when absent. */
  readonly grants?: GrantBook | null;
}

/** The handlers a supervisor gives its AgentServer: authentication and call decisions. */
export function sessionHandlers(deps: SessionHandlerDeps): AgentServerHandlers {
  const { tokens, joined, agents, governor, bus } = deps;
  // The agent a session belongs to, joined or spawned: asked in one place for every handler.
  const ownerOf = (session: Session): SessionOwner | undefined => joined.agents.get(session.agentId) ?? agents.get(session.agentId);
  return {
    credentials: (hello) => {
      const spawned = tokens.keyOf(hello.agent);
      const join = joined.key;
      return [...(spawned === undefined ? [] : [{ kind: "agent" as const, key: spawned }]), ...(join === null ? [] : [{ kind: "join" as const, key: join }])];
    },
    authenticate: (hello, kind): AuthResult => {
      const agentId = kind === "agent" ? hello.agent : joined.admit(hello);
      return { ok: true, agentId, settings: deps.settings(), budget: deps.budgetOf(agentId) };
    },
    onSession: (session) => ownerOf(session)?.attach(session),
    onRequest: (session, message, reply) => {
      const grants = deps.grants ?? null;
      const push = session.push;
      if (grants === null || push === undefined || !grants.takes(session)) return governor.request(session.agentId, message, reply);
      if (message.admitted !== undefined) return governor.request(session.agentId, message, (decision) => grants.admitted(session, toCall(session.agentId, message), decision));
      return governor.request(session.agentId, message, (decision) => reply(grants.offer({ session, push }, message, decision)));
    },
    onResponse: (session, message, reply) => governor.response(session.agentId, message, reply),
    onChunk: (session, message, reply) => governor.chunk(session.agentId, message, reply),
    onHeartbeat: (session) => ownerOf(session)?.heartbeat(session),
    onReject: (refusal) => void bus.publish({ type: "agent.rejected", ...refusal }),
    onBye: (session, message) => ownerOf(session)?.bye(session, message.reason),
  };
}
