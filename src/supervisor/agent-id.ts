// Agent ids, made one way for spawned and joined agents: they name budget scopes, events and
// log lines, and a joined agent's name comes off the network, so an id is bounded and plain.

/** The longest agent id, suffix included: a name off the wire must not grow scopes and logs unboundedly. */
export const MAX_AGENT_ID = 64;

/** A name made safe as an agent id: letters, digits, `.`, `-` and `_`, at most 64 characters. */
export function safeAgentId(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, MAX_AGENT_ID) || "agent";
}

/** The first candidate id for `name` (`name`, `name-2`, …) that `taken` does not claim. */
export function freeAgentId(name: string, taken: (id: string) => boolean): string {
  let id = agentIdCandidate(name, 1);
  for (let n = 2; taken(id); n += 1) id = agentIdCandidate(name, n);
  return id;
}

/** The n-th id for a name (`name`, `name-2`, ...), shortened so the suffix still fits in 64. */
export function agentIdCandidate(name: string, n: number): string {
  const base = safeAgentId(name);
  if (n === 1) return base;
  const suffix = `-${n}`;
  return `${base.slice(0, MAX_AGENT_ID - suffix.length)}${suffix}`;
}
