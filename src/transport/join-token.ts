// The supervisor-wide join token: the secret that lets agents started elsewhere (a notebook, a
// web server, a container) join a running supervisor. Distinct from the per-incarnation tokens
// of spawned agents (tokens.ts); proven by challenge–response, never sent; never logged.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { IronError } from "../errors.js";
import { tokenKey } from "./handshake.js";

/** The shortest join token accepted (a generated one has 43 characters after its prefix). */
export const MIN_JOIN_TOKEN_LENGTH = 16;

const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

// Hashing first makes the comparison constant-time whatever the lengths.
function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** A fresh join token: `iron_join_` + 32 random bytes, base64url. */
export function generateJoinToken(): string {
  return `iron_join_${randomBytes(32).toString("base64url")}`;
}

/** Checks a join token given by a user or read from a file; throws IRON_ERR_CONFIG naming `path`. */
export function checkJoinToken(token: unknown, path: string): string {
  if (typeof token !== "string" || token.length < MIN_JOIN_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
    // Never echo a value that may be a secret: describe its shape only.
    const got = typeof token === "string" ? `a string of ${token.length} characters` : typeof token;
    throw new IronError("IRON_ERR_CONFIG", "invalid join token", { path, expected: `at least ${MIN_JOIN_TOKEN_LENGTH} printable ASCII characters without spaces`, got });
  }
  return token;
}

/** The join secret a supervisor accepts in `hello` from agents it did not spawn. */
export class JoinSecret {
  readonly #digest: Buffer;
  /** The HMAC key of the challenge–response (SPEC 3.1a). */
  readonly key: Buffer;

  constructor(token: string) {
    this.#digest = digest(token);
    this.key = tokenKey(token);
  }

  /** True when `token` is the join token (constant time). */
  verify(token: string): boolean {
    return timingSafeEqual(this.#digest, digest(token));
  }
}
