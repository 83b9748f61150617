// Picks the store for a supervisor: PostgreSQL for a postgres:// URL (a fleet), a SQLite state
// file for any other path, memory when neither is given.
import { resolve } from "node:path";
import { MemoryStore } from "./memory-store.js";
import { isPostgresUrl } from "./postgres/postgres-url.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Retention } from "./sqlite/retention.js";
import type { Store } from "./store.js";

/** Where the CLI keeps state unless told otherwise (`--state`, `IRON_STATE`). */
export const DEFAULT_STATE_PATH = ".iron/state.db";

/** Opens the state at `state` (a postgres:// URL, or a file path relative to the working directory), or a memory store for null; throws IRON_ERR_STORE. `retention` applies to both a SQLite file and a postgres:// database. */
export async function openStore(state: string | null, retention?: Retention | false): Promise<Store> {
  if (state === null) return new MemoryStore();
  if (!isPostgresUrl(state)) return SqliteStore.open(resolve(state), retention === undefined ? {} : { retention });
  // pg loads only for a fleet: a SQLite user's every command stays as quick to start as before.
  const { PostgresStore } = await import("./postgres/postgres-store.js");
  return PostgresStore.open(state, retention === undefined ? {} : { retention });
}

/** A state location from a config file: URLs as they are, paths relative to the file's folder. */
export function resolveStateLocation(dir: string, state: string): string {
  return isPostgresUrl(state) ? state : resolve(dir, state);
}
