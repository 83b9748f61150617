// The agents that joined with the join token, by id: admits their hellos (a new agent, the same
// process reconnecting, or a sub-process of one), and routes their sessions' traffic.
import { agentIdCandidate } from "./agent-id.js";
import type { EventBus } from "../events/bus.js";
import type { HelloMessage } from "../protocol/messages.js";
import type { JoinSecret } from "../transport/join-token.js";
import type { CallMetrics } from "./call-metrics.js";
import { JoinedAgent } from "./joined-agent.js";

export interface JoinedAgentsDeps {
  /** The join token; null when this supervisor accepts no joins. */
  readonly secret: JoinSecret | null;
  readonly bus: EventBus;
  readonly heartbeatTimeoutMs: number;
  readonly localHost: string;
  metricsOf(agentId: string): CallMetrics;
  abandon(agentId: string): void;
  dropSession(sessionId: string): void;
  /** True when an id is already used (by a spawned agent too). */
  taken(agentId: string): boolean;
  /** Detached agents kept in memory (sup.joined, counters); beyond it the longest-detached are evicted (default 1000). */
  readonly maxDetached?: number;
  /** An evicted agent's counters and anything else kept per id go. */
  forget?(agentId: string): void;
}

/** Detached joined agents kept by default: a join loop with new names or pids cannot grow memory past it. */
export const DEFAULT_MAX_DETACHED = 1000;

/** The registry of joined agents. */
export class JoinedAgents {
  readonly #deps: JoinedAgentsDeps;
  readonly #agents = new Map<string, JoinedAgent>();

  constructor(deps: JoinedAgentsDeps) {
    this.#deps = deps;
  }

  /** The joined agents, by id. */
  get agents(): ReadonlyMap<string, JoinedAgent> {
    return this.#agents;
  }

  /** The join token's HMAC key, or null when this supervisor accepts no joins. */
  get key(): Buffer | null {
    return this.#deps.secret?.key ?? null;
  }

  /**
   * The agent id a hello proven with the join token joins as: a sub-process of a joined agent counts as that agent; the same process reconnecting
   * gets its id back; otherwise the name it asked for, made unique among the agents attached now
   * (a detached agent's id is taken over by the next process that asks for it, so an agent run
   * again and again keeps one id and one budget).
   */
  admit(hello: HelloMessage): string {
    const agents = [...this.#agents.values()];
    const known = agents.find((a) => a.isParentOf(hello)) ?? agents.find((a) => a.isSameProcess(hello));
    if (known !== undefined) return known.id;
    for (let n = 1; ; n += 1) {
      const id = agentIdCandidate(hello.agent, n);
      if (this.#deps.taken(id)) continue;
      const existing = this.#agents.get(id);
      if (existing === undefined) {
        this.#agents.set(id, this.#create(id, hello));
        this.#evictDetached(id);
        return id;
      }
      if (existing.state === "detached") return id;
    }
  }

  #create(id: string, hello: HelloMessage): JoinedAgent {
    const deps = this.#deps;
    return new JoinedAgent(id, hello, {
      bus: deps.bus,
      metrics: deps.metricsOf(id),
      heartbeatTimeoutMs: deps.heartbeatTimeoutMs,
      localHost: deps.localHost,
      abandon: () => deps.abandon(id),
      dropSession: (sessionId) => deps.dropSession(sessionId),
    });
  }

  // Keeps at most maxDetached detached agents, evicting the oldest (first joined) first; never `keep`.
  // Their spend stays in the budget ledger (agent:<id>) and their history in the store; an evicted
  // id that joins again starts a new JoinedAgent with the same scope.
  #evictDetached(keep: string): void {
    const max = this.#deps.maxDetached ?? DEFAULT_MAX_DETACHED;
    const detached = [...this.#agents.values()].filter((a) => a.state === "detached" && a.id !== keep);
    for (const agent of detached.slice(0, Math.max(0, detached.length - max))) {
      this.#agents.delete(agent.id);
      agent.dispose();
      this.#deps.forget?.(agent.id);
    }
  }

  /** True when an id is a joined agent's. */
  has(agentId: string): boolean {
    return this.#agents.has(agentId);
  }

  /** The supervisor is closing: every joined agent is detached for good. */
  close(reason: string): void {
    for (const agent of this.#agents.values()) agent.close(reason);
  }
}
