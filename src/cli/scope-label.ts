// Budget scopes as a person reads them. Most names say what they are (`global`, `agent:writer`,
// `user:u42`); a per-run scope, `run:<agent>#<s>.<n>`, gets a short label: the agent's n-th
// start under supervisor s, the s-th supervisor recorded in the state file.

/** What `run:<agent>#<s>.<n>` means, for help texts and the budgets under `iron watch`. */
export const RUN_SCOPE_HELP = "run:<agent>#<s>.<n> is one run's budget (budgets.per_run): the agent's n-th start under supervisor s of the state file";

/** A short label for a per-run scope (`slow_agent's run 1 under supervisor 1`), or null for a scope whose name says it all. */
export function scopeNote(scope: string): string | null {
  const match = /^run:(.+)#(?:(\d+)\.)?(\d+)(?:@.*)?$/.exec(scope);
  if (match === null) return null;
  const [, agent, supervisor, run] = match;
  return supervisor === undefined ? `${agent}'s run ${run}` : `${agent}'s run ${run} under supervisor ${supervisor}`;
}

/** The scope with its label in parentheses when it has one: `run:a#1.2 (a's run 2 under supervisor 1)`. */
export function labelScope(scope: string): string {
  const note = scopeNote(scope);
  return note === null ? scope : `${scope} (${note})`;
}
