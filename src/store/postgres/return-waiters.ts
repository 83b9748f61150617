// Grants that found the fleet short wait, briefly, for another supervisor to give budget back:
// a `returned` notice wakes every one of them at once; a timer ends each wait otherwise.

/** Waits for a supervisor of the fleet to return budget. */
export class ReturnWaiters {
  readonly #waiting = new Set<() => void>();

  /** Resolves true when some supervisor gave budget back before `ms` passed, false after it. */
  returnedOrAfter(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (returned: boolean): void => {
        clearTimeout(timer);
        this.#waiting.delete(wake);
        resolve(returned);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.#waiting.add(wake);
    });
  }

  /** A supervisor gave budget back: every wait ends now. */
  wakeAll(): void {
    for (const wake of [...this.#waiting]) wake();
  }
}
