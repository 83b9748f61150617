// Starts a state file over (what `iron demo` does with its own file), refusing a file that is
// not iron's or that a live supervisor holds.
import Database from "better-sqlite3";
import { existsSync, rmSync } from "node:fs";
import { IronError } from "../../errors.js";
import { isSameProcessAlive } from "../process-identity.js";
import { storeError } from "./database.js";

/** Deletes the state file and its WAL/SHM/hold-journal companions, if it is an iron state file no live supervisor holds. */
export function resetStateFile(path: string): void {
  if (!existsSync(path)) return;
  let open: { pid: number; proc_start: number | null }[];
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.prepare("SELECT value FROM meta WHERE key = 'hash_key'").get();
      open = db.prepare<[], { pid: number; proc_start: number | null }>("SELECT pid, proc_start FROM supervisors WHERE ended_at IS NULL").all();
    } finally {
      db.close();
    }
  } catch (error) {
    throw storeError(error, path, "checking the file is an iron state file before starting it over");
  }
  const live = open.find((row) => isSameProcessAlive(row.pid, row.proc_start));
  if (live !== undefined) throw new IronError("IRON_ERR_STORE", `the state file ${path} is in use by another supervisor (pid ${live.pid})`);
  for (const suffix of ["", "-wal", "-shm", "-holds"]) rmSync(`${path}${suffix}`, { force: true });
}
