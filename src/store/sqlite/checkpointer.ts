// Moves WAL checkpoints — the only step that waits for the disk (fsync) — off the main thread:
// a worker with its own connection checkpoints every quarter second, so a commit on the
// decision path never stalls behind one. The main connection turns auto-checkpoints off.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** Checkpoint period; the WAL stays small under any load this machine can produce. */
const INTERVAL_MS = 250;

// CommonJS, evaluated in the worker: opens the file and checkpoints until told to close.
const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const done = new Int32Array(workerData.done);
let db = null;
try {
  db = new Database(workerData.path, { timeout: 0 });
} catch {}
const checkpoint = () => {
  try {
    db?.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or failing: the main connection sees and reports real failures.
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  try {
    db?.close();
  } catch {}
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
  parentPort.close();
});
`;

/** The running checkpoint worker of one state file. */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #done = new Int32Array(new SharedArrayBuffer(4));

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.#worker = new Worker(WORKER, { eval: true, workerData: { path, driver, intervalMs: INTERVAL_MS, done: this.#done.buffer } });
    this.#worker.on("error", () => undefined);
    this.#worker.unref();
  }

  /** Closes the worker's connection before the main one closes (so the last close can remove the WAL). */
  stop(): void {
    this.#worker.postMessage("close");
    Atomics.wait(this.#done, 0, 0, 2000);
    void this.#worker.terminate();
  }
}
