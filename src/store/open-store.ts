// Picks the store for a supervisor: a SQLite state file when a path is given, memory otherwise.
import { resolve } from "node:path";
import { MemoryStore } from "./memory-store.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

/** Where the CLI keeps state unless told otherwise (`--state`, `IRON_STATE`). */
export const DEFAULT_STATE_PATH = ".iron/state.db";

/** Opens the state file at `path` (relative to the working directory), or a memory store for null; throws IRON_ERR_STORE. */
export function openStore(path: string | null): Store {
  return path === null ? new MemoryStore() : SqliteStore.open(resolve(path));
}
