// The main thread's handle on the commit worker: posts batches, takes the answers as messages on
// the event loop, or — when the store must know now (close, a budget reset, a failed store keeping
// its order) — blocks until the answer is there. The worker runs tsc's compiled
// dist/store/sqlite/commit-worker.js (a worker thread cannot load TypeScript), found from the
// package root whether this code runs from src/, from dist/ or from the bundled CLI.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { packageRoot } from "../../package-root.js";
import type { CommitBatch } from "./batch-writer.js";
import type { CommitReply, CommitWorkerData } from "./commit-worker.js";

/** How long a main thread that must wait waits for one answer before it gives up (the store then fails). */
const ANSWER_TIMEOUT_MS = 30_000;

/** The compiled worker entry. */
function workerFile(): string {
  const file = join(packageRoot(), "dist", "store", "sqlite", "commit-worker.js");
  if (!existsSync(file)) throw new Error(`the commit worker ${file} is missing (run npm run build)`);
  return file;
}

/** A running commit worker with its own connection to one state file. */
export class CommitThread {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #answered = new Int32Array(new SharedArrayBuffer(4));
  #onReply: (reply: CommitReply) => void = () => undefined;
  #onDeath: (error: Error) => void = () => undefined;
  #dead: Error | null = null;
  #stopping = false;
  #ended = false;

  constructor(path: string, supervisorId: number) {
    const { port1, port2 } = new MessageChannel();
    const data: CommitWorkerData = { path, supervisorId, answered: this.#answered.buffer as SharedArrayBuffer, port: port2 };
    this.#worker = new Worker(workerFile(), { workerData: data, transferList: [port2] });
    this.#port = port1;
    this.#port.on("message", (reply: CommitReply) => this.#onReply(reply));
    // Neither keeps the process alive: close() waits for what must be written.
    this.#port.unref();
    this.#worker.unref();
    this.#worker.on("error", (error) => this.#died(error));
    this.#worker.on("exit", (code) => this.#died(new Error(`the commit worker exited (code ${code})`)));
  }

  // A worker that crashed answers nothing more: whoever waits for an answer is told, once.
  #died(error: Error): void {
    if (this.#dead !== null) return;
    this.#dead = error;
    if (!this.#stopping) this.#onDeath(error);
  }

  /** Where the worker's death is reported (the batch in flight then failed). */
  onDeath(listener: (error: Error) => void): void {
    this.#onDeath = listener;
  }

  /** Where answers that arrive on the event loop go. */
  onReply(listener: (reply: CommitReply) => void): void {
    this.#onReply = listener;
  }

  post(batch: CommitBatch): void {
    this.#port.postMessage(batch);
  }

  /** Blocks until the next answer and hands it to the listener; throws when the worker is gone or silent. */
  waitForReply(): void {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(this.#answered, 0);
      const received = receiveMessageOnPort(this.#port);
      if (received !== undefined) {
        this.#onReply(received.message as CommitReply);
        return;
      }
      if (this.#dead !== null) throw this.#dead;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the commit worker did not answer within ${ANSWER_TIMEOUT_MS} ms`);
      Atomics.wait(this.#answered, 0, seen, Math.min(left, 100));
    }
  }

  /** Closes the worker's connection (before the main one closes, so the last close can remove the WAL) and ends it. */
  stop(): void {
    if (this.#ended) return;
    const asked = this.#stopping; // retire() already asked it to close
    this.#stopping = true;
    this.#onReply = () => undefined;
    if (!asked) this.#port.postMessage("close");
    try {
      this.waitForReply();
    } catch {
      // A dead or silent worker: terminating it below releases its connection.
    }
    this.#end();
  }

  /** Asks the worker to close its connection and ends it once it answered, without waiting here (an idle stop). */
  retire(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#onReply = () => this.#end();
    this.#port.postMessage("close");
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#port.close();
    void this.#worker.terminate();
  }
}
