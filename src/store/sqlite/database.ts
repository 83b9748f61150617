// Opens the SQLite state file (WAL, private permissions) and turns SQLite's failures into
// IRON_ERR_STORE errors that say what is wrong with which file.
import Database from "better-sqlite3";
import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { IronError, messageOf } from "../../errors.js";

export type Db = Database.Database;

/** How long a write waits for another connection's lock before failing (the store then fails closed). */
export const BUSY_TIMEOUT_MS = 2000;

export interface OpenDatabaseOptions {
  /** Open for reading only (the CLI's ledger queries); the file must exist. */
  readonly readonly?: boolean;
}

/** Opens (creating when needed) a state file in WAL mode; throws IRON_ERR_STORE. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  const readonly = options.readonly === true;
  const created = !readonly && !existsSync(path);
  let db: Db | null = null;
  try {
    if (created) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    else if (!readonly) makePrivate(path);
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    if (!readonly) {
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      if (mode !== "wal") throw new Error(`journal_mode is ${String(mode)}, WAL is required`);
      db.pragma("synchronous = NORMAL");
    }
    // The state holds spend and history: only its owner may read it.
    if (created) chmodSync(path, 0o600);
    return db;
  } catch (error) {
    db?.close();
    throw storeError(error, path, "opening");
  }
}

// An existing state file others can read (copied in, restored, another umask) is made private
// again before SQLite opens it, with its WAL and shared memory (SQLite gives those the file's mode).
function makePrivate(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } catch {
      // Not there (yet): SQLite creates it with the state file's mode.
    }
  }
}

/** Why SQLite failed, in words a person can act on. */
function describeFailure(code: string): string {
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "the state file is locked by another process";
  if (code.startsWith("SQLITE_READONLY")) return "the state file (or its directory) is read-only";
  if (code === "SQLITE_FULL") return "the disk holding the state file is full";
  if (code.startsWith("SQLITE_CANTOPEN")) return "the state file cannot be opened";
  if (code === "SQLITE_NOTADB") return "the file is not an iron state file";
  if (code.startsWith("SQLITE_CORRUPT")) return "the state file is corrupt";
  if (code.startsWith("SQLITE_IOERR")) return "an I/O error hit the state file";
  if (code === "ENOSPC") return "the disk holding the state file is full";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return "the state file (or its directory) is not writable";
  return "the state store failed";
}

// SQLite says "unable to open" for many causes; the file system often knows which one.
function probeWritable(path: string): string | null {
  try {
    accessSync(dirname(path), constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EROFS" ? "the state file is on a read-only file system" : "the state file (or its directory) is not writable";
  }
}

/** Wraps any failure of the store as IRON_ERR_STORE naming the file, what was being done, and the cause. */
export function storeError(error: unknown, path: string, doing: string): IronError {
  if (error instanceof IronError) return error;
  const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : "";
  const detail = messageOf(error);
  const opaque = code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_IOERR");
  const what = (opaque ? probeWritable(path) : null) ?? describeFailure(code);
  return new IronError("IRON_ERR_STORE", `${what}: ${path} (${doing}: ${detail})`, { cause: error });
}
