// The budget holds' journal: a file beside the state file (`state.db-holds`, mode 0600) that a
// hold is appended to, in one write, before its call may leave the agent. A write that returned is
// in the kernel, so it survives a SIGKILL of the supervisor as a WAL commit with
// synchronous=NORMAL does, at a fraction of the cost (no page written, no lock taken): the hold
// commit was most of the time a governed request spent waiting. The holds reach the state file's
// `holds` table with the next event batch, which records in the same transaction how far the
// journal is applied (meta `hold_journal`); a supervisor that dies leaves what was not applied yet,
// and the next start charges it in full, like the holds in the table — never both, never neither.
//
// A line is `[supervisor, generation, callId, micros, scopes]`, with a sixth element, the id of the
// hold it replaces, when a call is carved out of a grant's pool (that pool hold is then never charged). The file is started over (a new
// generation) when everything in it is applied: lines of another supervisor or generation are
// never replayed, so an interrupted start-over cannot charge a hold twice.
import { closeSync, fchmodSync, ftruncateSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import type { Db } from "./database.js";

/** A hold as journaled. */
export interface JournaledHold {
  readonly callId: string;
  readonly keys: readonly string[];
  readonly micros: number;
  /** The hold this one (with the others naming it) takes the place of: a grant's pool a call was carved out of. */
  readonly replaces?: string;
}

/** How far a supervisor's journal is applied to the state file (meta `hold_journal`). */
export interface JournalMark {
  readonly supervisor: number;
  readonly generation: number;
  /** Byte offset of the first line not applied yet. */
  readonly applied: number;
}

/** The journal beside a state file. */
export const journalPath = (statePath: string): string => `${statePath}-holds`;

/** The journal is started over once everything in it is applied and it is larger than this. */
const START_OVER_BYTES = 1 << 20;

/** Reads the mark (null when no supervisor journaled into this file yet). */
export function readMark(db: Db): JournalMark | null {
  const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'hold_journal'").get();
  return row === undefined ? null : (JSON.parse(row.value) as JournalMark);
}

/** Writes the mark (meta `hold_journal`). */
export const WRITE_MARK = "INSERT INTO meta (key, value) VALUES ('hold_journal', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

function writeMark(db: Db, mark: JournalMark): void {
  db.prepare(WRITE_MARK).run(JSON.stringify(mark));
}

/** The holds a dead supervisor journaled and the state file does not have yet (what its mark says is not applied). */
export function unappliedHolds(statePath: string, mark: JournalMark): JournaledHold[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(journalPath(statePath));
  } catch {
    return [];
  }
  const holds: JournaledHold[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf(10, at);
    // A line cut short was never acknowledged (the write failed, and the store with it).
    if (end < 0) break;
    const start = at;
    at = end + 1;
    if (start < mark.applied) continue;
    let line: unknown;
    try {
      line = JSON.parse(bytes.toString("utf8", start, end));
    } catch {
      break;
    }
    if (!Array.isArray(line) || line[0] !== mark.supervisor || line[1] !== mark.generation) continue;
    const hold = { callId: String(line[2]), micros: Number(line[3]), keys: (line[4] as unknown[]).map(String) };
    holds.push(typeof line[5] === "string" ? { ...hold, replaces: line[5] } : hold);
  }
  return holds;
}

/** This supervisor's journal: appends holds, and gives the mark that the batch writing them to the file commits. */
export class HoldJournal {
  readonly #fd: number;
  readonly #path: string;
  readonly #supervisor: number;
  #generation = 0;
  /** Bytes in the file since it was last started over. */
  #end = 0;
  #startOver = false;

  /** Claims the journal for `supervisor`: call inside the transaction that registers it (the mark), the file is started over after. */
  static claim(db: Db, statePath: string, supervisor: number): () => HoldJournal {
    writeMark(db, { supervisor, generation: 0, applied: 0 });
    return () => new HoldJournal(journalPath(statePath), supervisor);
  }

  private constructor(path: string, supervisor: number) {
    this.#path = path;
    this.#supervisor = supervisor;
    this.#fd = openSync(path, "a", 0o600);
    // A journal left with wider permissions (copied in with the state file) is made private as the file is.
    fchmodSync(this.#fd, 0o600);
    ftruncateSync(this.#fd);
  }

  /** Appends holds in one write; throws when they are not all in the file. */
  append(holds: readonly JournaledHold[]): void {
    let text = "";
    for (const h of holds) {
      const line = [this.#supervisor, this.#generation, h.callId, h.micros, h.keys];
      if (h.replaces !== undefined) line.push(h.replaces);
      text += `${JSON.stringify(line)}\n`;
    }
    const bytes = Buffer.from(text, "utf8");
    if (this.#startOver) {
      ftruncateSync(this.#fd);
      this.#startOver = false;
    }
    const written = writeSync(this.#fd, bytes);
    // A regular file takes less than it was given only when its disk (or the file size limit) ran out of room.
    if (written !== bytes.length) throw Object.assign(new Error(`the hold journal took ${written} of ${bytes.length} bytes`), { code: "ENOSPC" });
    this.#end += written;
  }

  /**
   * The mark for a batch that writes every hold appended so far (commit it in that batch). Once
   * the file passed START_OVER_BYTES the mark names the next generation (`startOver`): the batch
   * must then be committed before anything more is appended, and `startOver()` called.
   */
  markAll(): { readonly text: string; readonly startOver: boolean } {
    const startOver = this.#end >= START_OVER_BYTES;
    const mark: JournalMark = startOver
      ? { supervisor: this.#supervisor, generation: this.#generation + 1, applied: 0 }
      : { supervisor: this.#supervisor, generation: this.#generation, applied: this.#end };
    return { text: JSON.stringify(mark), startOver };
  }

  /** The start-over mark is committed: lines of the old generation are never replayed, so the file is emptied before the next append. */
  startOver(): void {
    this.#generation += 1;
    this.#end = 0;
    this.#startOver = true;
  }

  /** Closes the journal; `remove` after a clean stop (everything applied and charged). */
  close(remove: boolean): void {
    closeSync(this.#fd);
    if (remove) rmSync(this.#path, { force: true });
  }
}
