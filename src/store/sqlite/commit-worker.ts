// The commit worker's entry (run by CommitThread in a worker thread, from tsc's dist/ tree): its
// own connection to the state file writes each batch the main thread posts, then answers on the
// reply port and bumps the shared counter (so a main thread that must wait can block on it).
// Between batches it checkpoints the WAL every quarter second — the one step that waits for the
// disk (fsync) — so neither a commit nor a decision on the main thread ever stalls behind one.
import Database from "better-sqlite3";
import { type MessagePort, workerData } from "node:worker_threads";
import { BatchWriter, type CommitBatch } from "./batch-writer.js";
import { BUSY_TIMEOUT_MS } from "./database.js";

/** What CommitThread gives the worker. */
export interface CommitWorkerData {
  readonly path: string;
  readonly supervisorId: number;
  /** Int32Array[0]: bumped (wrapping) after every answer, so a waiting main thread wakes. */
  readonly answered: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** The worker's answer to a batch: no error means committed. */
export interface CommitReply {
  readonly id: number;
  readonly error?: { readonly message: string; readonly code: string | null };
}

/** Checkpoint period; the WAL stays small under any load this machine can produce. */
const CHECKPOINT_MS = 250;

const data = workerData as CommitWorkerData;
const answered = new Int32Array(data.answered);
let writer: BatchWriter | null = null;
let db: Database.Database | null = null;
let openError: unknown = null;
try {
  db = new Database(data.path, { timeout: BUSY_TIMEOUT_MS });
  // Per connection, as the main one: commits without fsync, checkpoints only on the timer below.
  db.pragma("synchronous = NORMAL");
  db.pragma("wal_autocheckpoint = 0");
  writer = new BatchWriter(db, data.supervisorId);
} catch (error) {
  openError = error;
}

const checkpoints = setInterval(() => {
  try {
    db?.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or failing: the next batch meets and reports a real failure.
  }
}, CHECKPOINT_MS);

function answer(reply: CommitReply): void {
  data.port.postMessage(reply);
  Atomics.add(answered, 0, 1);
  Atomics.notify(answered, 0);
}

data.port.on("message", (message: CommitBatch | "close") => {
  if (message === "close") {
    clearInterval(checkpoints);
    try {
      db?.close();
    } catch {
      // Closing is best effort: the main connection reports real failures.
    }
    answer({ id: -1 });
    data.port.close();
    return;
  }
  try {
    if (writer === null) throw openError;
    writer.write(message);
    answer({ id: message.id });
  } catch (error) {
    const code = typeof (error as { code?: unknown })?.code === "string" ? (error as { code: string }).code : null;
    answer({ id: message.id, error: { message: error instanceof Error ? error.message : String(error), code } });
  }
});
