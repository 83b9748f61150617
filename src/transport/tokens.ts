// Per-agent secret tokens: issued per incarnation, proven by challenge–response (the HMAC key is
// handed to the agent server), compared in constant time, revoked at exit.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { tokenKey } from "./handshake.js";

/** Hashing first makes the comparison constant-time whatever the lengths. */
function digest(token: string | Buffer): Buffer {
  return createHash("sha256").update(token).digest();
}

/** The tokens the supervisor will accept in `hello`, by agent id. */
export class TokenRegistry {
  readonly #byAgent = new Map<string, Buffer>();

  /** Issues a fresh token for an agent, replacing (and so revoking) its previous one. */
  issue(agentId: string): string {
    const token = `iron_${randomBytes(24).toString("base64url")}`;
    this.#byAgent.set(agentId, tokenKey(token));
    return token;
  }

  /** The HMAC key of an agent's current token, for its challenge (undefined: no token issued). */
  keyOf(agentId: string): Buffer | undefined {
    return this.#byAgent.get(agentId);
  }

  /** True when `token` is the agent's current token. */
  verify(agentId: string, token: string): boolean {
    const key = this.#byAgent.get(agentId);
    const actual = digest(token);
    if (key === undefined) {
      timingSafeEqual(actual, actual); // same work either way
      return false;
    }
    return timingSafeEqual(digest(key), actual);
  }

  /** Forgets an agent's token: a finished incarnation's token can never be replayed. */
  revoke(agentId: string): void {
    this.#byAgent.delete(agentId);
  }
}
