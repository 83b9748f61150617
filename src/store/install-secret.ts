// The per-install secret that keys every hash iron stores (PII findings, scrubbed values): kept
// outside the state file, so a copy of the state file alone cannot brute-force an SSN or a
// phone number from its hash. One random 32-byte key, 0600 in a 0700 directory, made on first use.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { IronError } from "../errors.js";

/** `$IRON_SECRET_FILE`, else `$XDG_CONFIG_HOME/iron/secret`, else `~/.config/iron/secret`. */
export function defaultSecretPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IRON_SECRET_FILE) return env.IRON_SECRET_FILE;
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "iron", "secret");
}

const cache = new Map<string, Buffer>();

/** Reads the install secret at `path`, creating it (0600) when missing; throws IRON_ERR_CONFIG when it is unusable. */
export function installSecret(path: string = defaultSecretPath()): Buffer {
  const known = cache.get(path);
  if (known !== undefined) return known;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as { code?: string }).code !== "EEXIST") throw new IronError("IRON_ERR_CONFIG", `cannot create the install secret ${path}`, { cause: error });
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const text = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new IronError("IRON_ERR_CONFIG", `the install secret ${path} is not usable`, { expected: "64 hex digits (delete the file to make a new one)", got: `${text.length} characters` });
  }
  const key = Buffer.from(text, "hex");
  cache.set(path, key);
  return key;
}
