// Drives a pipeline written once as a generator: it yields only what it must wait for (a
// promise) and gets the settled value back. While nothing is yielded the whole run is
// synchronous and its result is returned as is; from the first promise on it continues
// asynchronously and the result is a promise (as with the Python shim's flow.py).

/** A pipeline's steps: yields a promise to wait for, is resumed with its value (or its error thrown in). */
export type Steps<R> = Generator<PromiseLike<unknown>, R, unknown>;

/** Runs `steps` synchronously until it first yields a promise; from there on asynchronously. */
export function drive<R>(steps: Steps<R>): R | Promise<R> {
  const first = steps.next();
  if (first.done === true) return first.value;
  return resume(steps, first.value);
}

async function resume<R>(steps: Steps<R>, pending: PromiseLike<unknown>): Promise<R> {
  let waiting = pending;
  for (;;) {
    let step: IteratorResult<PromiseLike<unknown>, R>;
    try {
      const value = await waiting;
      step = steps.next(value);
    } catch (error) {
      // A rejection is thrown into the steps where they waited, as `await` would; a throw by the
      // steps themselves has ended the generator, so this rethrows it to the caller.
      step = steps.throw(error);
    }
    if (step.done === true) return step.value;
    waiting = step.value;
  }
}
