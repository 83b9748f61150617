// The join token's file (`iron serve --token-file`, default ~/.iron/join-token): readable only
// by the user (0600, in a directory created 0700), kept across restarts so agents that joined
// reconnect when the supervisor comes back; `--new-token` replaces it.
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { IronError } from "../../errors.js";
import { checkJoinToken, generateJoinToken } from "../../transport/join-token.js";

/** Where `iron serve` keeps the join token unless told otherwise. */
export function defaultTokenFile(): string {
  return join(homedir(), ".iron", "join-token");
}

/** The token and whether it was just written. */
export interface JoinTokenFile {
  readonly token: string;
  readonly path: string;
  readonly created: boolean;
}

// Like ssh with a private key: a token file others can read (or that is not ours) is refused.
function readPrivate(path: string): string {
  const stats = lstatSync(path);
  if (!stats.isFile()) throw new IronError("IRON_ERR_CONFIG", "the token file is not a regular file", { path, expected: "a file", got: stats.isSymbolicLink() ? "a symbolic link" : "something else" });
  if (typeof process.getuid === "function" && stats.uid !== process.getuid()) {
    throw new IronError("IRON_ERR_CONFIG", "the token file belongs to another user", { path, expected: "a file you own", got: `uid ${stats.uid}` });
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new IronError("IRON_ERR_CONFIG", `the token file is readable by others; chmod 600 ${path}, or start with --new-token`, {
      path,
      expected: "mode 0600",
      got: `mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}`,
    });
  }
  return checkJoinToken(readFileSync(path, "utf8").trim(), path);
}

// Writes the token atomically: a private temporary file renamed over the old one.
function writePrivate(path: string, token: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeSync(fd, `${token}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (cause) {
    throw new IronError("IRON_ERR_CONFIG", `cannot write the token file ${path}`, { cause });
  }
}

/** The join token from `path`, or a fresh one written there (always fresh with `rotate`). */
export function loadJoinToken(path: string, rotate: boolean): JoinTokenFile {
  let exists = true;
  try {
    lstatSync(path);
  } catch {
    exists = false;
  }
  if (exists && !rotate) return { token: readPrivate(path), path, created: false };
  const token = generateJoinToken();
  writePrivate(path, token);
  return { token, path, created: true };
}
