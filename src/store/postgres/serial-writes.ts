// The fleet ledger's writes to the database, run one after another (so a limit is written before
// the grant that reads it, and a dropped scope's row is gone before a later grant re-creates it).
// A fire-and-forget write reports its failure instead of throwing.

/** A queue of database writes that run strictly in order. */
export class SerialWrites {
  #tail: Promise<void> = Promise.resolve();
  readonly #onError: (error: unknown, doing: string) => void;

  constructor(onError: (error: unknown, doing: string) => void) {
    this.#onError = onError;
  }

  /** Runs `op` after every write queued before it; resolves or rejects with it. */
  run<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(op);
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Queues `op`; a failure goes to the error handler with what was being done. */
  send(doing: string, op: () => Promise<unknown>): void {
    void this.run(op).catch((error: unknown) => this.#onError(error, doing));
  }
}
