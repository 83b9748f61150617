// Tells a PostgreSQL state URL from a SQLite path, and prints one without its password.

/** True for `postgres://…` and `postgresql://…`: the state lives in PostgreSQL, not a file. */
export function isPostgresUrl(state: string): boolean {
  return /^postgres(ql)?:\/\//i.test(state);
}

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "a postgres:// URL that does not parse";
  }
}
