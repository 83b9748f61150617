// Opens a state file for the CLI's look-back commands: read-only, migrated first if it is older.
import { existsSync } from "node:fs";
import { IronError } from "../../errors.js";
import { openDatabase, storeError, type Db } from "./database.js";
import { migrate, schemaVersion, SCHEMA_VERSION } from "./migrations.js";

/** A read-only connection to an existing state file at the current schema; throws IRON_ERR_NOT_FOUND or IRON_ERR_STORE. */
export function openForReading(path: string): Db {
  if (!existsSync(path)) {
    throw new IronError("IRON_ERR_NOT_FOUND", `no state file at ${path} (iron run writes one; pass --state to read another)`);
  }
  let db = openDatabase(path, { readonly: true });
  try {
    const version = schemaVersion(db);
    if (version === SCHEMA_VERSION) return db;
    db.close();
    // An older file is migrated in place (a newer one is refused by migrate).
    const writer = openDatabase(path);
    try {
      migrate(writer);
    } finally {
      writer.close();
    }
    db = openDatabase(path, { readonly: true });
    return db;
  } catch (error) {
    if (db.open) db.close();
    throw storeError(error, path, "reading");
  }
}
