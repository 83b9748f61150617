// The private runtime directory (mode 0700) that holds the agents' ipc socket.
import { chmodSync, mkdtempSync, rmSync, type Stats, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IronError } from "../errors.js";

/** Longest socket path Linux accepts in sun_path (108 bytes including the NUL). */
export const MAX_SOCKET_PATH = 107;

export interface RuntimeDir {
  readonly path: string;
  readonly socketPath: string;
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): void;
}

/** Refuses a parent another user owns: a directory's owner may replace anything in it, sticky bit or not (root may own a sticky one, like /tmp). */
export function checkParentOwner(dir: string, uid: number | null = typeof process.getuid === "function" ? process.getuid() : null): void {
  if (uid === null) return;
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch (cause) {
    throw new IronError("IRON_ERR_RUNTIME_DIR", `cannot read the runtime directory's parent ${dir}`, { cause });
  }
  const sticky = (stats.mode & 0o1000) !== 0;
  if (stats.uid === uid || (sticky && stats.uid === 0)) return;
  throw new IronError("IRON_ERR_RUNTIME_DIR", `the directory ${dir} belongs to another user, who could replace iron's socket`, {
    expected: sticky ? "a directory you (or root, for a sticky one) own" : "a directory you own",
    got: `uid ${stats.uid}`,
  });
}

/** Creates a fresh private directory for one supervisor, under XDG_RUNTIME_DIR or the temp dir. */
export function createRuntimeDir(parent: string = process.env.XDG_RUNTIME_DIR || tmpdir()): RuntimeDir {
  checkParentOwner(parent);
  let path: string;
  try {
    path = mkdtempSync(join(parent, "iron-"));
    chmodSync(path, 0o700);
  } catch (cause) {
    throw new IronError("IRON_ERR_RUNTIME_DIR", `cannot create a runtime directory in ${parent}`, { cause });
  }
  const stats = statSync(path);
  if ((stats.mode & 0o077) !== 0 || (typeof process.getuid === "function" && stats.uid !== process.getuid())) {
    rmSync(path, { recursive: true, force: true });
    throw new IronError("IRON_ERR_RUNTIME_DIR", `runtime directory ${path} is not private`, {
      expected: "mode 0700 owned by this user",
      got: `mode ${(stats.mode & 0o777).toString(8)} uid ${stats.uid}`,
    });
  }
  const socketPath = join(path, "iron.sock");
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    rmSync(path, { recursive: true, force: true });
    throw new IronError("IRON_ERR_RUNTIME_DIR", "socket path too long; set XDG_RUNTIME_DIR to a shorter directory", {
      expected: `at most ${MAX_SOCKET_PATH} bytes`,
      got: `${Buffer.byteLength(socketPath)} bytes (${socketPath})`,
    });
  }
  let removed = false;
  return {
    path,
    socketPath,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(path, { recursive: true, force: true });
    },
  };
}
