// A closed pipe on iron's stdout or stderr (`iron run … | head -1`) is handled like a Unix
// tool does: the closed stream is silenced, and whoever listens (iron run) stops its agents.

type Listener = (stream: "stdout" | "stderr") => void;

const listeners = new Set<Listener>();
let closed: "stdout" | "stderr" | null = null;

/** The first of iron's output streams whose reader went away, or null. */
export function closedStream(): "stdout" | "stderr" | null {
  return closed;
}

/** Calls `listener` once when stdout or stderr is closed (at once if one already is); returns the way to stop listening. */
export function onOutputClosed(listener: Listener): () => void {
  if (closed !== null) {
    listener(closed);
    return () => undefined;
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Writes to a stream whose reader is gone are dropped from now on, without an error.
function silence(stream: NodeJS.WriteStream): void {
  stream.write = ((_chunk: unknown, encodingOrCallback?: unknown, callback?: unknown) => {
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    if (typeof done === "function") queueMicrotask(() => (done as () => void)());
    return true;
  }) as NodeJS.WriteStream["write"];
}

/** Installs the handlers on process.stdout and process.stderr (once, from bin.ts). */
export function guardPipes(streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = process): void {
  for (const name of ["stdout", "stderr"] as const) {
    const stream = streams[name];
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
      silence(stream);
      if (closed !== null) return;
      closed = name;
      for (const listener of [...listeners]) listener(name);
      listeners.clear();
    });
  }
}
