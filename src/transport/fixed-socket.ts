// A supervisor socket at a path the user chose (`iron serve --socket PATH`) instead of the
// private runtime directory: stable across restarts, so agents that joined reconnect to the
// same endpoint when the supervisor comes back. The directory must be private (created 0700
// when missing) or sticky and owned by root; a stale socket left by a dead supervisor is replaced, a live one
// is refused.
import { chmodSync, lstatSync, mkdirSync, type Stats, statSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { dirname, resolve } from "node:path";
import { IronError } from "../errors.js";
import { MAX_SOCKET_PATH, type RuntimeDir } from "./runtime-dir.js";

/** A socket path prepared for binding; `bound()` makes the socket file private once it exists. */
export interface FixedSocket extends RuntimeDir {
  bound(): void;
}

// True when something accepts connections on the unix socket at `path`.
function listening(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ path });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

// The directory the socket lives in: created private, or checked that nobody else can swap the socket.
function prepareDirectory(dir: string): void {
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      return;
    } catch (cause) {
      throw new IronError("IRON_ERR_RUNTIME_DIR", `cannot create the socket directory ${dir}`, { cause });
    }
  }
  if (!stats.isDirectory()) throw new IronError("IRON_ERR_RUNTIME_DIR", "the socket's parent is not a directory", { path: dir, expected: "a directory", got: "a file" });
  const sticky = (stats.mode & 0o1000) !== 0;
  // A directory's owner may replace any file in it, sticky bit or not: only we, or root for a
  // sticky directory like /tmp, may own it.
  const ours = typeof process.getuid !== "function" || stats.uid === process.getuid() || (sticky && stats.uid === 0);
  if (!ours) {
    throw new IronError("IRON_ERR_RUNTIME_DIR", `the socket directory ${dir} belongs to another user`, {
      expected: sticky ? "a directory you (or root, for a sticky one) own" : "a directory you own",
      got: `uid ${stats.uid}`,
    });
  }
  if ((stats.mode & 0o022) !== 0 && !sticky) {
    throw new IronError("IRON_ERR_RUNTIME_DIR", `the socket directory ${dir} is writable by others, who could replace the socket`, {
      expected: "a directory only you can write to (e.g. mode 0700), or a sticky one like /tmp",
      got: `mode ${(stats.mode & 0o7777).toString(8)}`,
    });
  }
}

/** Checks and prepares `path` for the supervisor's ipc socket. */
export async function prepareFixedSocket(given: string): Promise<FixedSocket> {
  const socketPath = resolve(given);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new IronError("IRON_ERR_RUNTIME_DIR", "socket path too long", { path: socketPath, expected: `at most ${MAX_SOCKET_PATH} bytes`, got: `${Buffer.byteLength(socketPath)} bytes` });
  }
  prepareDirectory(dirname(socketPath));
  let existing: Stats | null;
  try {
    existing = lstatSync(socketPath);
  } catch {
    existing = null;
  }
  if (existing !== null) {
    if (!existing.isSocket()) {
      throw new IronError("IRON_ERR_RUNTIME_DIR", "the socket path exists and is not a socket", {
        path: socketPath,
        expected: "a free path or a stale socket",
        got: existing.isDirectory() ? "a directory" : "a file",
      });
    }
    if (await listening(socketPath)) {
      throw new IronError("IRON_ERR_TRANSPORT", `another supervisor is already listening on ${socketPath}; stop it or choose another --socket`);
    }
    unlinkSync(socketPath); // stale: left by a supervisor that died
  }
  let removed = false;
  return {
    path: dirname(socketPath),
    socketPath,
    bound() {
      chmodSync(socketPath, 0o600);
    },
    remove() {
      if (removed) return;
      removed = true;
      try {
        unlinkSync(socketPath);
      } catch {
        // Already gone.
      }
    },
  };
}
